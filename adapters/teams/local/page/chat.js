// The local Teams client: renders the channel and the personal chat from the local connector's state with
// Microsoft's Adaptive Cards renderer, and posts what the person does as Bot Framework activities.
/* global AdaptiveCards */
(() => {
  const state = { channel: null, users: [], messages: [], side: [], welcome: null, me: "", typed: [] };
  // Message ids already shown, so that only a new card is scrolled into view (not every refresh).
  const seen = new Set();
  let firstRender = true;
  // Cards the bot returned to this person alone (an invoke response), by "<user>:<message id>".
  const overrides = new Map();
  let overrideCount = 0;
  // Rendered cards by message and content, reused across refreshes so typed input is not lost.
  const rendered = new Map();
  const $ = (id) => document.getElementById(id);
  const personalId = (key) => `a:personal-${key}`;
  // Teams renders a little Markdown in TextBlocks; the bot's own TextBlocks use at most **bold**.
  AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
    const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    result.outputHtml = escaped.replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>");
    result.didProcess = true;
  };

  /** Hides the notice (a refusal shown to one person must not stay on screen for the next). */
  function clearToast() {
    clearTimeout(toast.timer);
    $("toast").hidden = true;
    $("toast").textContent = "";
  }

  function toast(text) {
    const t = $("toast");
    t.textContent = text;
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => {
      t.hidden = true;
    }, 6000);
  }

  async function send(conversation, activity) {
    const res = await fetch("/demo/send", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userKey: state.me, conversation, activity }),
    });
    return res.json();
  }

  function cardElement(message, conversation, content) {
    const card = new AdaptiveCards.AdaptiveCard();
    card.onExecuteAction = async (action) => {
      if (!(action instanceof AdaptiveCards.ExecuteAction)) return;
      const answer = await send(conversation, {
        type: "invoke",
        name: "adaptiveCard/action",
        value: { action: { type: "Action.Execute", verb: action.verb, data: action.data || {} }, trigger: "manual" },
      });
      const body = answer && answer.body;
      if (body && body.type === "application/vnd.microsoft.card.adaptive") {
        // Kept until the bot next updates the card for everyone: an update that arrived while the bot was answering
        // (offers still coming in) is older than this answer, so it must not hide it.
        const current =
          state.messages.find((m) => m.id === message.id && m.conversationId === message.conversationId) || message;
        overrides.set(`${state.me}:${message.id}`, { card: body.value, updates: current.updates, n: ++overrideCount });
        render();
      } else if (body && body.type === "application/vnd.microsoft.activity.message") {
        toast(body.value);
      } else if (!answer || answer.status >= 300) {
        toast(`The bot answered ${answer ? answer.status : "nothing"}`);
      }
    };
    card.parse(content);
    const el = card.render();
    // The renderer names a button by its title alone ("Approve"), and puts the card's tooltip ("Approve the offer
    // from Willow House at £4,850/week") only in `title`. Teams reads the tooltip out; so does this page.
    for (const button of el ? el.querySelectorAll("button[title]") : []) {
      if (button.title && button.title !== button.getAttribute("aria-label"))
        button.setAttribute("aria-label", button.title);
    }
    return el;
  }

  function postElement(message, conversation, cssClass) {
    const override = overrides.get(`${state.me}:${message.id}`);
    // A card the bot updated for everyone replaces what this person was shown alone.
    const own = override && override.updates === message.updates ? override.card : null;
    const key = `${state.me}:${message.id}:${message.updates}:${own ? `own${override.n}` : "all"}`;
    const cached = rendered.get(key);
    if (cached) return cached;
    const el = document.createElement("article");
    el.className = `post ${cssClass || ""}`;
    el.dataset.messageId = message.id;
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = `Referral bot${message.targetedTo ? " · only you can see this" : ""}`;
    el.appendChild(meta);
    const cards = own ? [own] : (message.activity.attachments || []).map((a) => a.content);
    if (message.activity.text) {
      const p = document.createElement("p");
      p.textContent = String(message.activity.text).replace(/\*\*/g, "");
      el.appendChild(p);
    }
    for (const content of cards) {
      const body = cardElement(message, conversation, content);
      if (body) el.appendChild(body);
    }
    rendered.set(key, el);
    return el;
  }

  const visible = (m) => !m.targetedTo || m.targetedTo === `29:${state.me}`;

  // Only what changed is moved: detaching a form someone is filling in (or a button under their pointer) every time
  // any card in the channel updates lost clicks and focus while offers were coming in.
  function setChildren(parent, els) {
    const now = parent.children;
    if (now.length === els.length && els.every((el, i) => now[i] === el)) return;
    parent.replaceChildren(...els);
  }

  function render() {
    const channel = $("channel");
    const inChannel = state.messages.filter((m) => m.conversationId === state.channel.id && visible(m));
    const roots = [];
    for (const root of inChannel.filter((m) => !m.threadId)) {
      const el = postElement(root, { id: state.channel.id, type: "channel" });
      let replies = el.querySelector(":scope > .replies");
      if (!replies) {
        replies = document.createElement("div");
        replies.className = "replies";
        el.appendChild(replies);
      }
      setChildren(
        replies,
        inChannel
          .filter((m) => m.threadId === root.id)
          .map((m) => postElement(m, { id: state.channel.id, type: "channel", threadId: root.id })),
      );
      roots.push(el);
    }
    setChildren(channel, roots);
    const chat = $("chat");
    const mine = state.typed.filter((t) => t.user === state.me);
    const bots = state.messages.filter((m) => m.conversationId === personalId(state.me));
    const items = [
      ...mine.map((t) => ({ at: t.at, el: typedElement(t) })),
      ...bots.map((m) => ({
        at: Number(m.id.slice(0, 13)),
        el: postElement(m, { id: personalId(state.me), type: "personal" }),
      })),
    ];
    items.sort((a, b) => a.at - b.at);
    setChildren(
      chat,
      items.map((i) => i.el),
    );
    renderSide();
    scrollToNew([...inChannel, ...bots]);
  }

  // The newest card that was not there before comes into view in its pane (the first load scrolls nothing).
  function scrollToNew(shown) {
    const fresh = shown.filter((m) => !seen.has(m.id));
    for (const m of shown) seen.add(m.id);
    if (firstRender) {
      firstRender = false;
      return;
    }
    const newest = fresh[fresh.length - 1];
    const el = newest && document.querySelector(`[data-message-id="${CSS.escape(newest.id)}"]`);
    if (el) el.scrollIntoView({ block: "nearest" });
  }

  // Built with DOM nodes, never HTML: subjects and names are data.
  function renderSide() {
    const side = $("side");
    side.replaceChildren(
      ...state.side.flatMap((section) => {
        const h = document.createElement("h3");
        h.textContent = section.title;
        const list = document.createElement("ul");
        for (const item of section.items) {
          const li = document.createElement("li");
          li.textContent = item.text;
          if (item.href && /^https?:\/\//.test(item.href)) {
            const a = document.createElement("a");
            a.href = item.href;
            a.target = "_blank";
            a.rel = "noopener";
            a.textContent = item.linkText || "Open";
            li.appendChild(a);
          }
          list.appendChild(li);
        }
        return [h, list];
      }),
    );
  }

  function renderWelcome() {
    const w = state.welcome;
    if (!w || sessionStorage.getItem("welcome-closed")) return;
    $("welcome-title").textContent = w.title;
    $("welcome-text").replaceChildren(
      ...w.paragraphs.map((text) => {
        const p = document.createElement("p");
        p.textContent = text;
        return p;
      }),
    );
    $("welcome").hidden = false;
  }

  const typedRendered = new WeakMap();
  function typedElement(t) {
    const cached = typedRendered.get(t);
    if (cached) return cached;
    const el = document.createElement("article");
    el.className = "post mine";
    el.textContent = t.text;
    typedRendered.set(t, el);
    return el;
  }

  let loading = null;
  async function load() {
    if (loading) return loading;
    loading = (async () => {
      const s = await (await fetch("/demo/state")).json();
      Object.assign(state, { channel: s.channel, users: s.users, messages: s.messages, side: s.side });
      if (!state.welcome && s.welcome) {
        state.welcome = s.welcome;
        renderWelcome();
      }
      $("channel-title").textContent = `# ${s.channel.name}`;
      const select = $("user");
      if (!select.options.length) {
        for (const u of s.users) select.add(new Option(`${u.name} (${u.role})`, u.key));
        state.me = s.users[0].key;
      }
      render();
    })().finally(() => {
      loading = null;
    });
    return loading;
  }

  $("welcome-close").addEventListener("click", () => {
    $("welcome").hidden = true;
    sessionStorage.setItem("welcome-closed", "1");
  });
  $("user").addEventListener("change", (e) => {
    state.me = e.target.value;
    clearToast();
    render();
  });
  async function say(text) {
    state.typed.push({ user: state.me, text, at: Date.now() });
    render();
    await send({ id: personalId(state.me), type: "personal" }, { type: "message", text });
  }
  $("compose").addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = $("text").value.trim();
    if (!text) return;
    $("text").value = "";
    await say(text);
  });
  // As in Teams, where the person types "home" in their chat with the bot; the button saves a newcomer guessing.
  $("home").addEventListener("click", () => say("home"));
  new EventSource("/demo/events").onmessage = () => load();
  load();
})();
