// The template editor's live preview: as the admin types, each variant is rendered with the
// sample values on the server (the bot's own sandbox) and shown below it, as text.
"use strict";
(function () {
  const form = document.querySelector("form[data-render]");
  if (!form) return;
  const csrf = form.querySelector("input[name=csrf]").value;
  const timers = new WeakMap();
  form.querySelectorAll("textarea[data-locale]").forEach(function (area) {
    area.addEventListener("input", function () {
      clearTimeout(timers.get(area));
      timers.set(area, setTimeout(function () { render(area); }, 300));
    });
  });
  function render(area) {
    const out = form.querySelector('output[for="' + area.id + '"]');
    const body = new URLSearchParams({csrf: csrf, locale: area.dataset.locale,
                                      tone: area.dataset.tone, source: area.value});
    fetch(form.dataset.render, {method: "POST", body: body, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {text: "", error: "preview failed (" + r.status + ")"}; })
      .then(function (got) {
        out.textContent = got.error || got.text;
        out.classList.toggle("bad", Boolean(got.error));
      })
      .catch(function () { out.textContent = "preview unavailable"; });
  }
})();
