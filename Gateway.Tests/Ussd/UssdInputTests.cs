using Gateway.Ussd;

namespace Gateway.Tests.Ussd;

public sealed class UssdInputTests
{
    public sealed record Case(string Label, string? Handled, string Text, UssdInputKind Kind, string[] Inputs)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Case> Cases => new()
    {
        new("the dial: no input yet", null, "", UssdInputKind.New, []),
        new("the dial again (a retry)", "", "", UssdInputKind.Retry, []),
        new("the first choice", "", "1", UssdInputKind.New, ["1"]),
        new("one more choice: only the new one", "3*1", "3*1*2", UssdInputKind.New, ["2"]),
        new("the same history: a retry", "3*1", "3*1", UssdInputKind.Retry, []),
        new("a dial with a pre-filled path", null, "3*1", UssdInputKind.New, ["3", "1"]),
        new("a '*' typed inside an input: two inputs", "3", "3*1*2", UssdInputKind.New, ["1", "2"]),
        new("an empty input (just '*' sent)", "3", "3*", UssdInputKind.New, [""]),
        new("letters are inputs, the menu says they are wrong", "3", "3*abc", UssdInputKind.New, ["abc"]),
        new("00 and 98 are inputs", "3", "3*98*00", UssdInputKind.New, ["98", "00"]),
        new("a history that does not continue ours", "3*1", "2*1*1", UssdInputKind.Malformed, []),
        new("a history shorter than ours", "3*1", "3", UssdInputKind.Malformed, []),
        new("a prefix that is not a whole input", "3*1", "3*12", UssdInputKind.Malformed, []),
        new("control characters", "", "1\u0000", UssdInputKind.Malformed, []),
        new("a newline", "", "1\n2", UssdInputKind.Malformed, []),
        new("an emoji", "", "1\uD83D\uDE00", UssdInputKind.Malformed, []),
        new("an absurdly long history", null, string.Join('*', Enumerable.Repeat("1", 600)), UssdInputKind.Malformed, []),
        new("one absurdly long input", null, new string('1', 21), UssdInputKind.Malformed, []),
    };

    [Theory, MemberData(nameof(Cases))]
    public void Read(Case c)
    {
        var read = UssdInput.Read(c.Handled, c.Text);
        Assert.Equal(c.Kind, read.Kind);
        Assert.Equal(c.Inputs, read.Inputs);
    }
}
