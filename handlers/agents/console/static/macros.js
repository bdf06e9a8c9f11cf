// Canned replies on a ticket's page: the picker (Alt+M) and "/name" in the empty reply box
// fetch the macro filled for this ticket's customer and put it in the reply box, to edit
// before sending. Without this script the picker's form reloads the page with the box filled.
"use strict";

(function () {
  const picker = document.getElementById("macro-pick");
  const select = document.getElementById("macro-name");
  const box = document.getElementById("reply-text");
  const note = document.getElementById("macro-note");
  if (!picker || !select || !box) return;
  const ticket = document.body.dataset.ticket;
  const known = new Set(Array.from(select.options, (o) => o.value));

  function say(text) {
    if (note) note.textContent = text;
  }

  function put(text, replacing) {
    // Into an empty box (or over the "/name" typed there) whole; else at the cursor, so
    // a greeting already written stays.
    if (replacing || !box.value.trim()) {
      box.value = text;
      box.setSelectionRange(text.length, text.length);
    } else {
      box.setRangeText(text, box.selectionStart, box.selectionEnd, "end");
    }
    box.dispatchEvent(new Event("input", { bubbles: true }));
    box.focus();
  }

  async function insert(name, replacing) {
    const url = "/console/tickets/" + encodeURIComponent(ticket) + "/macro?name=" +
      encodeURIComponent(name);
    let response;
    try {
      response = await fetch(url, { credentials: "same-origin", cache: "no-store",
                                    headers: { Accept: "application/json" } });
    } catch (e) {
      say("Could not reach the server: try again.");
      return;
    }
    if (response.redirected || response.status === 401) {
      say("Your session has ended: reload to log in.");
      return;
    }
    let data = {};
    try { data = await response.json(); } catch (e) { /* not JSON: said below */ }
    if (!response.ok || typeof data.text !== "string") {
      say(data.error || "That canned reply could not be filled.");
      return;
    }
    put(data.text, replacing);
    say(data.note || (data.name + " inserted in " + data.locale + ": edit it, then send."));
  }

  picker.addEventListener("submit", (event) => {
    event.preventDefault();
    insert(select.value, false);
  });
  select.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      insert(select.value, false);
    }
  });
  box.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== "Tab") return;
    const typed = /^\/([a-z0-9][a-z0-9-]{1,39})$/.exec(box.value.trim());
    if (!typed || !known.has(typed[1])) return;
    event.preventDefault();
    insert(typed[1], true);
  });
  document.addEventListener("keydown", (event) => {
    if (event.altKey && !event.ctrlKey && !event.metaKey && event.code === "KeyM") {
      event.preventDefault();
      select.focus();
    }
  });
})();
