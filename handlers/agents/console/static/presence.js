// Presence: a ticket page tells the console's socket (console.js opens it) which ticket it
// shows and whether the agent is typing a reply; when told that presence changed it fetches
// who else is here into #presence. The supervisors' agents page refetches itself. Without
// this script nothing breaks: the server still checks a reply against what the page showed.
"use strict";

(function () {
  const body = document.body;
  const page = body.dataset.page;
  const ticket = body.dataset.ticket;
  const spot = document.getElementById("presence");
  const replyForm = document.getElementById("reply-form");
  const reply = replyForm ? replyForm.querySelector("textarea") : null;
  const TYPING_IDLE_MS = 5000;
  // News that may cross a reply being written (the server has the last word).
  const CROSSING = ["reply", "relayed", "taken", "released", "transferred", "closed", "reopened"];
  let socket = null;
  let typing = false;
  let idle = null;
  let fetching = null;

  function say(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  async function showWhoIsHere() {
    if (!spot) return;
    const response = await fetch("/console/tickets/" + encodeURIComponent(ticket) + "/presence",
                                 { credentials: "same-origin", cache: "no-store" });
    if (!response.ok || response.redirected) return;
    // Server-rendered with autoescaping: names arrive as inert text.
    spot.innerHTML = await response.text();
  }

  async function refreshAgents() {
    const response = await fetch("/console/agents", { credentials: "same-origin",
                                                      cache: "no-store" });
    if (!response.ok || response.redirected) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    const now = fresh.querySelector("main table tbody");
    const shown = document.querySelector("main table tbody");
    if (now && shown) shown.replaceWith(now);
  }

  function later(run) {
    // Several changes in a burst cost one fetch.
    if (fetching) return;
    fetching = setTimeout(() => { fetching = null; run().catch(() => {}); }, 200);
  }

  function setTyping(now) {
    if (now === typing) return;
    typing = now;
    say({ typing: now });
  }

  function warnCrossed() {
    if (!replyForm || !reply || !reply.value.trim()) return;
    let note = document.getElementById("crossed");
    if (!note) {
      note = document.createElement("p");
      note.id = "crossed";
      note.className = "error";
      note.setAttribute("role", "alert");
      replyForm.prepend(note);
    }
    note.textContent = "This ticket changed while you were writing: read what is new " +
                       "before sending (the server will ask you to confirm).";
  }

  if (spot) spot.setAttribute("aria-live", "polite");

  document.addEventListener("heard:socket", (event) => {
    socket = event.detail;
    if (page === "ticket" && ticket) {
      typing = false;
      say({ view: ticket });
      if (reply && reply.value.trim()) setTyping(true);
      showWhoIsHere().catch(() => {});
    }
  });

  document.addEventListener("heard:change", (event) => {
    const change = event.detail;
    if (page === "agents") {
      if (change.kind === "presence" || CROSSING.includes(change.kind)) later(refreshAgents);
      return;
    }
    if (page !== "ticket" || change.ticket !== ticket) return;
    if (change.kind === "presence") later(showWhoIsHere);
    else if (CROSSING.includes(change.kind)) warnCrossed();
  });

  if (reply) {
    reply.addEventListener("input", () => {
      setTyping(reply.value.trim() !== "");
      clearTimeout(idle);
      idle = setTimeout(() => setTyping(false), TYPING_IDLE_MS);
    });
  }
})();
