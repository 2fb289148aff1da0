// The console's one script, served by the gateway. Pages work without it: it only saves a click.
// - A form with data-live="<url>" posts itself there as the person types, and each element of it marked data-live-part
//   takes the content of the element with the same id in the answer. The server does the counting (the compose page's
//   counters come from the same code as POST /api/broadcasts/preview), so nothing is computed here.
// - An element with data-poll="<url>" takes the content of its namesake at that URL every few seconds, for as long as
//   the answer's element still has data-poll (a broadcast's progress while it sends).
(function () {
  "use strict";

  function parse(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return template.content;
  }

  // Only a change is written: an aria-live region announces what is written into it.
  function swap(element, fragment) {
    var fresh = fragment.getElementById(element.id);
    if (fresh && fresh.innerHTML !== element.innerHTML) element.innerHTML = fresh.innerHTML;
    return fresh;
  }

  function get(url, init) {
    init = init || {};
    init.credentials = "same-origin";
    init.headers = { "X-Requested-With": "console" };
    return fetch(url, init).then(function (response) { return response.ok ? response.text() : null; });
  }

  document.querySelectorAll("form[data-live]").forEach(function (form) {
    var timer = null;
    var running = null;
    function refresh() {
      if (running) running.abort();
      running = new AbortController();
      get(form.getAttribute("data-live"), { method: "POST", body: new FormData(form), signal: running.signal })
        .then(function (html) {
          if (html === null) return;
          var fragment = parse(html);
          form.querySelectorAll("[data-live-part]").forEach(function (part) { swap(part, fragment); });
        })
        .catch(function () { /* aborted by newer typing, or offline: the Preview button still works */ });
    }
    function later() {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
  });

  function poll(element) {
    var every = parseInt(element.getAttribute("data-poll-every") || "3000", 10);
    setTimeout(function () {
      get(element.getAttribute("data-poll"))
        .then(function (html) {
          if (html === null) return poll(element);
          var fresh = swap(element, parse(html));
          if (fresh && fresh.hasAttribute("data-poll")) poll(element);
        })
        .catch(function () { poll(element); });
    }, every);
  }

  document.querySelectorAll("[data-poll]").forEach(poll);
})();
