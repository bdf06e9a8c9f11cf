// Live console: a socket says which ticket changed; the page refetches its fragment over
// HTTP (same session check as any page) and swaps it in. Forms are never replaced, so a
// half-typed reply survives every update.
"use strict";

(function () {
  const body = document.body;
  const page = body.dataset.page;
  const ticket = body.dataset.ticket;
  const status = document.getElementById("live");
  let delay = 1000;
  let refreshing = null;

  function show(state, text) {
    if (!status) return;
    status.dataset.state = state;
    status.textContent = text;
  }

  async function swap(url, targetId) {
    const target = document.getElementById(targetId);
    if (!target) return;
    const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
    if (response.redirected || response.status === 401) {
      show("ended", "session ended: reload to log in");
      return;
    }
    if (!response.ok) return;
    // Server-rendered with autoescaping: customer text arrives as inert HTML text.
    target.innerHTML = await response.text();
    // The reply form's mark moves on to what the page shows now (presence.js warns).
    const seen = response.headers.get("X-Heard-Seen");
    const mark = document.querySelector('input[name="seen"]');
    if (seen && mark) mark.value = seen;
    target.classList.add("updated");
    setTimeout(() => target.classList.remove("updated"), 1500);
    if (document.hidden) document.title = "• " + document.title.replace(/^• /, "");
  }

  function refresh(change) {
    // Several changes in a burst cost one fetch.
    if (refreshing) return;
    refreshing = setTimeout(async () => {
      refreshing = null;
      try {
        if (page === "queue") {
          await swap("/console/queue" + window.location.search, "queue-table");
        } else if (page === "ticket") {
          await swap("/console/tickets/" + encodeURIComponent(ticket) + "/live", "live-ticket");
        }
      } catch (e) {
        show("offline", "offline: retrying");
      }
    }, 150);
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    const ws = new WebSocket(scheme + window.location.host + "/console/ws");
    ws.onopen = () => {
      delay = 1000;
      show("live", "live");
      // presence.js says over this socket which ticket the page shows.
      document.dispatchEvent(new CustomEvent("heard:socket", { detail: ws }));
    };
    ws.onmessage = (event) => {
      let change;
      try { change = JSON.parse(event.data); } catch (e) { return; }
      if (!change || typeof change.ticket !== "string") return;
      document.dispatchEvent(new CustomEvent("heard:change", { detail: change }));
      if (change.kind === "presence") return;  // presence.js fetches who is here
      // Drop other tickets' news before the debounce, so they cannot hide this one's.
      if (page === "ticket" && change.ticket !== ticket) return;
      refresh(change);
    };
    ws.onclose = async (event) => {
      if (event.code === 4001) { show("ended", "session ended: reload to log in"); return; }
      show("offline", "offline: reconnecting");
      // A handshake refused for a dead session looks like any drop: ask before retrying.
      try {
        const probe = await fetch("/console/queue", { credentials: "same-origin" });
        if (probe.redirected || probe.status === 401) {
          show("ended", "session ended: reload to log in");
          return;
        }
      } catch (e) { /* offline: keep trying */ }
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) document.title = document.title.replace(/^• /, "");
  });
  if (page) connect();
})();
