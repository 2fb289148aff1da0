namespace Gateway.Broadcasts;

/// <summary>
/// One city month's SMS spending against SMS_MONTHLY_BUDGET (<see cref="MonthlyBudget"/>). Committed: the cost of the
/// messages handed to the provider in the month, and, for the current month, of those waiting in the queue. Estimated:
/// what approved broadcasts that have not started yet will cost in the month, as estimated when they were approved.
/// </summary>
/// <param name="Month">The month's first day, in the city.</param>
public sealed record MonthSpend(DateOnly Month, decimal Budget, decimal Committed, decimal Estimated)
{
    public decimal Spent => Committed + Estimated;

    public decimal Remaining => Budget - Spent;

    /// <summary>Spent ÷ budget: the dashboard warns from 0.8, and again from 1.</summary>
    public decimal Share => Budget == 0 ? 0 : Spent / Budget;
}

/// <summary>A broadcast against its month's budget: its estimated cost in that month, and what would remain after it.</summary>
/// <param name="Estimate">One sending's estimate × its sendings in the month (one for a one-off broadcast).</param>
public sealed record BudgetCheck(MonthSpend Month, decimal Estimate, int Sendings)
{
    public decimal RemainingAfter => Month.Remaining - Estimate;

    /// <summary>Only an admin may approve it, and says so (an audited override).</summary>
    public bool OverBudget => Estimate > Month.Remaining;
}

/// <summary>What the budget box of a page shows: the month, and a broadcast against it when there is one (Broadcasts/_Budget.cshtml).</summary>
public sealed record BudgetFigures(MonthSpend? Month, BudgetCheck? Check);
