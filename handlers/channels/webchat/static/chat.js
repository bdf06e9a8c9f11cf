// heard web chat. Every customer or bot text goes in through textContent only: a message is
// data, never markup, so nothing a customer types can become an element or run.
"use strict";

(() => {
  const root = document.getElementById("chat");
  const list = document.getElementById("messages");
  const form = document.getElementById("composer");
  const input = document.getElementById("input");
  const typingEl = document.getElementById("typing");
  const statusEl = document.getElementById("status");
  const noticeEl = document.getElementById("notice");
  const counterEl = document.getElementById("counter");

  // The page's own words in the visitor's language (the bot's words come from the server).
  const UI = {
    en: {
      subtitle: "customer care", typing: "typing…", label: "Your message",
      placeholder: "Type your message…", send: "Send",
      hint: "Enter sends · Shift+Enter for a new line", you: "You: ", choices: "Choices",
      agentRole: "customer care team",
      retry: "Retry", waiting: "Waiting for connection…", wrong: "Something went wrong.",
      sending: "Sending…", undelivered: "Not delivered.", connecting: "Connecting…",
      reconnecting: "Reconnecting…", online: "Online", offline: "Offline — reconnecting…",
      characters: "characters", disconnected: "Disconnected", reconnect: "Reconnect",
      tooManyTabs: "This chat is open in too many tabs or windows. Close some of them, " +
        "then reconnect here.",
      networkBusy: "Too many chats are open from your network right now. We will try " +
        "again shortly.",
      serverBusy: "The chat is very busy right now. We will connect you in a moment.",
      tooFast: "You sent too many messages too quickly. Reconnecting…",
    },
    "zh-CN": {
      subtitle: "客户服务", typing: "正在输入…", label: "您的消息",
      placeholder: "请输入消息…", send: "发送",
      hint: "Enter 发送 · Shift+Enter 换行", you: "我：", choices: "选项", agentRole: "客服专员",
      retry: "重试", waiting: "等待连接…", wrong: "出了点问题。",
      sending: "发送中…", undelivered: "未送达。", connecting: "正在连接…",
      reconnecting: "正在重新连接…", online: "在线", offline: "已断开，正在重新连接…",
      characters: "字", disconnected: "已断开", reconnect: "重新连接",
      tooManyTabs: "此对话已在太多标签页或窗口中打开。请关闭其中一些，然后在这里重新连接。",
      networkBusy: "您所在网络当前打开的对话太多，我们稍后会自动重试。",
      serverBusy: "当前咨询人数较多，请稍候，我们马上为您接通。",
      tooFast: "您发送消息太快了，正在重新连接…",
    },
    "zh-TW": {
      subtitle: "客戶服務", typing: "正在輸入…", label: "您的訊息",
      placeholder: "請輸入訊息…", send: "傳送",
      hint: "Enter 傳送 · Shift+Enter 換行", you: "我：", choices: "選項", agentRole: "客服專員",
      retry: "重試", waiting: "等待連線…", wrong: "出了點問題。",
      sending: "傳送中…", undelivered: "未送達。", connecting: "正在連線…",
      reconnecting: "正在重新連線…", online: "線上", offline: "已中斷，正在重新連線…",
      characters: "字", disconnected: "已中斷", reconnect: "重新連線",
      tooManyTabs: "此對話已在太多分頁或視窗中開啟。請關閉其中一些，然後在這裡重新連線。",
      networkBusy: "您所在網路目前開啟的對話太多，我們稍後會自動重試。",
      serverBusy: "目前諮詢人數較多，請稍候，我們馬上為您接通。",
      tooFast: "您傳送訊息太快了，正在重新連線…",
    },
  };
  // The visitor's languages in their order; the server greets in the first one it speaks
  // (handlers/channels/webchat/protocol.py), and the page's own words follow the same pick.
  const browserLanguages = (navigator.languages && navigator.languages.length
    ? Array.from(navigator.languages) : [navigator.language || ""]).filter(Boolean);
  const language = (() => {
    for (const raw of browserLanguages) {
      const tag = raw.toLowerCase().replace(/_/g, "-");
      if (tag === "en" || tag.startsWith("en-")) return "en";
      if (tag.startsWith("zh")) return /^zh-(tw|hk|mo|hant)/.test(tag) ? "zh-TW" : "zh-CN";
    }
    return "en";
  })();
  const t = (key) => UI[language][key] || UI.en[key];
  // The server's close reasons (handlers/channels/webchat/caps.py, connection.py), word for word, and
  // what the page does about each. "manual": only the customer can fix it (other tabs), so
  // the page waits for them instead of knocking again; "later": back off and retry.
  const CLOSE_REASONS = {
    "This chat is open in too many tabs; close some and reconnect.":
      { text: "tooManyTabs", retry: "manual" },
    "Too many chats from your network; try again shortly.":
      { text: "networkBusy", retry: "later" },
    "The chat is very busy; try again shortly.": { text: "serverBusy", retry: "later" },
    "too many messages": { text: "tooFast", retry: "soon" },
  };
  const LATER_MS = 5000;
  document.documentElement.lang = language;
  document.querySelector(".subtitle").textContent = t("subtitle");
  document.querySelector("#typing > span:last-child").textContent = t("typing");
  document.querySelector("label[for=input]").textContent = t("label");
  document.getElementById("input").placeholder = t("placeholder");
  document.getElementById("send").textContent = t("send");
  document.getElementById("hint").textContent = t("hint");
  const brand = document.querySelector(".brand h1").textContent;

  const maxChars = parseInt(root.dataset.maxChars, 10) || 20000;
  const wsUrl = (location.protocol === "https:" ? "wss://" : "ws://") + location.host +
    root.dataset.wsPath;

  let ws = null;
  let failedAttempts = 0;
  let reconnectTimer = null;
  let typingTimer = null;
  let noticeTimer = null;
  // Set while the page waits for the customer (too many tabs) rather than reconnecting.
  let paused = false;
  let connectionNotice = false;
  // Messages sent but not yet acknowledged, resent with the same id after a reconnect so
  // the server can drop the copies it already handled.
  const outbox = new Map();
  let resyncWhenFlushed = false;

  function newId() {
    if (crypto.randomUUID) return "m-" + crypto.randomUUID();
    // randomUUID needs a secure context; plain http on a LAN address does not have one.
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `m-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function setStatus(state, text) {
    statusEl.dataset.state = state;
    statusEl.textContent = text;
  }

  // A sticky notice stays until the connection is back; `action` adds a button to it.
  function showNotice(text, { sticky = false, action = null } = {}) {
    noticeEl.replaceChildren(document.createTextNode(text));
    if (action) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = action.label;
      button.addEventListener("click", action.run);
      noticeEl.append(" ", button);
    }
    noticeEl.hidden = false;
    connectionNotice = sticky;
    clearTimeout(noticeTimer);
    if (!sticky) noticeTimer = setTimeout(() => { noticeEl.hidden = true; }, 8000);
  }

  function hideConnectionNotice() {
    if (!connectionNotice) return;
    connectionNotice = false;
    noticeEl.hidden = true;
  }

  function setTyping(active) {
    clearTimeout(typingTimer);
    typingEl.hidden = !active;
    // A turn that ends without a "typing off" (dropped socket) must not leave it on forever.
    if (active) typingTimer = setTimeout(() => { typingEl.hidden = true; }, 20000);
  }

  function scrollToEnd() {
    list.scrollTop = list.scrollHeight;
  }

  function disableOlderChoices() {
    for (const b of list.querySelectorAll(".choices button")) b.disabled = true;
  }

  function speaker(direction) {
    const who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = direction === "in" ? t("you") : brand + ": ";
    return who;
  }

  // A person from the team is not the bot: the customer sees who is writing to them. The
  // visible name also serves screen readers, so no hidden speaker is added to that bubble.
  function sender(agent) {
    const who = document.createElement("div");
    who.className = "sender";
    const name = document.createElement("span");
    name.className = "sender-name";
    name.textContent = agent;
    who.append(name, document.createTextNode(" · " + t("agentRole")));
    return who;
  }

  function addMessage(direction, text, buttons, agent) {
    const li = document.createElement("li");
    const fromAgent = direction !== "in" && typeof agent === "string" && agent !== "";
    li.className = "msg " + (direction === "in" ? "from-me" : fromAgent ? "from-agent" : "from-bot");
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    if (fromAgent) li.append(sender(agent));
    else bubble.append(speaker(direction));
    bubble.append(document.createTextNode(text));
    li.append(bubble);
    if (direction !== "in" && buttons && buttons.length) li.append(choices(buttons));
    list.append(li);
    scrollToEnd();
    return li;
  }

  function choices(buttons) {
    const group = document.createElement("div");
    group.className = "choices";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", t("choices"));
    for (const b of buttons) {
      const btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = b.label;
      btn.addEventListener("click", () => {
        for (const other of group.querySelectorAll("button")) other.disabled = true;
        btn.setAttribute("aria-pressed", "true");
        send({ type: "button", payload: b.payload, label: b.label }, b.label);
      });
      group.append(btn);
    }
    return group;
  }

  function setMeta(li, text, retry) {
    let meta = li.querySelector(".meta");
    if (!meta) {
      meta = document.createElement("div");
      meta.className = "meta";
      li.append(meta);
    }
    meta.textContent = text;
    if (retry) {
      const again = document.createElement("button");
      again.type = "button";
      again.textContent = t("retry");
      again.addEventListener("click", retry);
      meta.append(again);
    }
  }

  function clearMeta(li) {
    const meta = li.querySelector(".meta");
    if (meta) meta.remove();
  }

  function transmit(frame) {
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  // Shows the customer's message at once and keeps it until the server acknowledges it.
  function send(frame, shownText) {
    frame.id = newId();
    const li = addMessage("in", shownText, []);
    li.classList.add("pending");
    outbox.set(frame.id, { frame, li, shownText });
    if (!transmit(frame)) setMeta(li, t("waiting"));
  }

  function sendText() {
    const text = input.value;
    if (!text.trim()) return;
    if (text.length > maxChars) {
      // The text stays in the box, so nothing the customer wrote is lost.
      showNotice(`Message too long (max ${maxChars} characters), please shorten it.`);
      return;
    }
    input.value = "";
    autoGrow();
    updateCounter();
    send({ type: "text", text }, text);
  }

  function renderHistory(items) {
    list.replaceChildren();
    let lastBot = null;
    for (const item of items) {
      const li = addMessage(item.direction, item.text, item.buttons, item.agent);
      if (item.direction !== "in") lastBot = li;
    }
    // Only the newest bot message's buttons still mean something.
    for (const b of list.querySelectorAll(".choices button")) {
      if (!lastBot || !lastBot.contains(b)) b.disabled = true;
    }
    // Messages still unacknowledged from before the drop go out again after the history.
    for (const entry of outbox.values()) {
      entry.li = addMessage("in", entry.shownText, []);
      entry.li.classList.add("pending");
      transmit(entry.frame);
      resyncWhenFlushed = true;
    }
  }

  function onAck(id) {
    const entry = outbox.get(id);
    if (!entry) return;
    outbox.delete(id);
    entry.li.classList.remove("pending");
    clearMeta(entry.li);
    if (resyncWhenFlushed && outbox.size === 0) {
      // Some resends may have been duplicates; the server's transcript is the truth.
      resyncWhenFlushed = false;
      transmit({ type: "history" });
    }
  }

  function onError(frame) {
    const entry = frame.id ? outbox.get(frame.id) : null;
    if (!entry) {
      showNotice(frame.message || t("wrong"));
      return;
    }
    if (frame.code === "slow_down") {
      setMeta(entry.li, t("sending"));
      setTimeout(() => transmit(entry.frame), 1500);
      return;
    }
    outbox.delete(frame.id);
    entry.li.classList.remove("pending");
    if (frame.code === "too_long" && entry.frame.type === "text") {
      entry.li.remove();
      if (!input.value) input.value = entry.frame.text;
      autoGrow();
      showNotice(frame.message);
      return;
    }
    entry.li.classList.add("failed");
    setMeta(entry.li, frame.message || t("undelivered"), () => {
      entry.li.remove();
      send(entry.frame, entry.shownText);
    });
  }

  function onFrame(event) {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    switch (frame.type) {
      case "history":
        // Only now is the socket really ours: a refused one opens and is closed at once.
        failedAttempts = 0;
        hideConnectionNotice();
        renderHistory(frame.items || []);
        break;
      case "reply":
        setTyping(false);
        disableOlderChoices();
        addMessage("out", frame.text, frame.buttons, frame.agent);
        break;
      case "ack":
        onAck(frame.id);
        break;
      case "typing":
        setTyping(frame.active !== false);
        break;
      case "error":
        onError(frame);
        break;
      default:
        break;
    }
  }

  function connect() {
    clearTimeout(reconnectTimer);
    paused = false;
    if (ws && (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING)) return;
    setStatus("connecting", failedAttempts ? t("reconnecting") : t("connecting"));
    let opened = false;
    const socket = new WebSocket(wsUrl);
    ws = socket;
    socket.addEventListener("open", () => {
      opened = true;
      setStatus("online", t("online"));
      // Sent on every connect: the server greets a conversation that has not started
      // (and only such a one), so a reload or a second tab is not greeted again.
      transmit({ type: "hello", languages: browserLanguages.slice(0, 32) });
    });
    socket.addEventListener("message", onFrame);
    socket.addEventListener("close", (event) => {
      if (ws !== socket) return;
      ws = null;
      setTyping(false);
      failedAttempts += 1;
      const known = CLOSE_REASONS[event.reason];
      if (known && known.retry === "manual") {
        paused = true;
        setStatus("offline", t("disconnected"));
        showNotice(t(known.text), { sticky: true, action: { label: t("reconnect"), run: connect } });
        return;
      }
      setStatus("offline", t("offline"));
      if (known) {
        showNotice(t(known.text), { sticky: known.retry === "later" });
      } else if (event.code === 1008 || event.code === 1011 || event.code === 1013) {
        if (event.reason) showNotice(event.reason);
      }
      if (!opened && failedAttempts >= 2) {
        // A refused handshake usually means the visitor cookie expired: the page re-issues it.
        fetch(location.pathname, { method: "HEAD", credentials: "same-origin", cache: "no-store" })
          .catch(() => {});
      }
      let delay = Math.min(30000, 500 * 2 ** Math.min(failedAttempts, 6));
      if (event.code === 1013) delay = Math.max(delay, LATER_MS);
      reconnectTimer = setTimeout(connect, delay / 2 + Math.random() * (delay / 2));
    });
  }

  function autoGrow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 160) + "px";
  }

  function updateCounter() {
    const n = input.value.length;
    counterEl.hidden = n < maxChars * 0.9;
    counterEl.textContent = `${n} / ${maxChars} ${t("characters")}`;
    counterEl.classList.toggle("over", n > maxChars);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sendText();
    input.focus();
  });

  input.addEventListener("keydown", (event) => {
    // isComposing: Enter also confirms a Chinese/Japanese IME candidate; that is not "send".
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendText();
    }
  });

  input.addEventListener("input", () => {
    autoGrow();
    updateCounter();
  });

  window.addEventListener("online", () => {
    failedAttempts = 0;
    connect();
  });

  // Coming back to a tab that stood aside for the others: the customer may have closed some.
  document.addEventListener("visibilitychange", () => {
    if (paused && document.visibilityState === "visible") connect();
  });

  connect();
})();
