// The opening room's browser client (vanilla ES module). See docs/opening-room.md for the protocol.
//
// - Countdowns run on the SERVER clock: every message carrying server_time updates the offset
//   (server − local, measured against the round trip of pings); the client clock is never trusted.
// - Events carry their seq: they are applied in seq order exactly once; a gap (or a snapshot whose seq
//   is ahead) triggers {"type":"sync","since":lastSeq}; reconnects send ?since=lastSeq.
// - Commands carry a client-made id and are re-sent after a reconnect until acknowledged: the server
//   applies an id once.

// The page's words in the person's language (bidding_room.views.room_words, through json_script); the key if absent.
const WORDS = (() => {
  const node = typeof document !== "undefined" && document.getElementById("room-words");
  return node ? JSON.parse(node.textContent) : {};
})();
const w = (key) => (WORDS[key] === undefined ? key : WORDS[key]);
const KIND_LABELS = WORDS.kind || {};

export class RoomConnection {
  constructor({ path, onEvent, onSnapshot, onHello, onAck, onStatus, onBoard }) {
    this.path = path;
    this.handlers = { onEvent, onSnapshot, onHello, onAck, onStatus, onBoard };
    this.lastSeq = 0;
    this.pending = new Map(); // seq → event, waiting for a gap to fill
    this.commands = new Map(); // id → command, until acknowledged
    this.offset = 0; // server clock − local clock, ms
    this.bestRtt = Infinity;
    this.retry = 0;
    this.open();
    this.pinger = setInterval(() => this.send({ type: "ping", t: Date.now() }), 10000);
  }

  now() {
    return Date.now() + this.offset;
  }

  clock(serverTime, sentAt) {
    if (!serverTime) return;
    const received = Date.now();
    const rtt = sentAt ? received - sentAt : Infinity;
    if (sentAt && rtt <= this.bestRtt) {
      this.bestRtt = rtt;
      this.offset = Date.parse(serverTime) - (sentAt + rtt / 2);
    } else if (this.bestRtt === Infinity) {
      this.offset = Date.parse(serverTime) - received;
    }
  }

  open() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const sep = this.path.includes("?") ? "&" : "?";
    const url = `${scheme}://${location.host}${this.path}${this.lastSeq !== null ? `${sep}since=${this.lastSeq}` : ""}`;
    this.ws = new WebSocket(url);
    this.ws.onopen = () => {
      this.retry = 0;
      this.status(true);
      this.send({ type: "ping", t: Date.now() });
      for (const command of this.commands.values()) this.send(command);
    };
    this.ws.onmessage = (m) => this.receive(JSON.parse(m.data));
    this.ws.onclose = () => {
      this.status(false);
      const wait = Math.min(5000, 300 * 2 ** this.retry++) + Math.random() * 300;
      setTimeout(() => this.open(), wait);
    };
  }

  status(connected) {
    this.connected = connected;
    if (this.handlers.onStatus) this.handlers.onStatus(connected);
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  command(action, args = {}) {
    const id = crypto.randomUUID();
    const command = { type: "command", id, action, ...args };
    return new Promise((resolve) => {
      command.resolve = resolve;
      this.commands.set(id, command);
      this.send(command);
    });
  }

  receive(message) {
    switch (message.type) {
      case "hello":
        this.clock(message.server_time);
        if (this.handlers.onHello) this.handlers.onHello(message);
        break;
      case "pong":
        this.clock(message.server_time, message.echo);
        break;
      case "event":
        this.accept([message]);
        break;
      case "events":
        this.accept(message.events);
        break;
      case "snapshot": {
        const snapshot = this.merge(message);
        if (snapshot.seq > this.lastSeq) this.send({ type: "sync", since: this.lastSeq });
        if (this.handlers.onSnapshot) this.handlers.onSnapshot(snapshot);
        break;
      }
      case "board":
        if (this.handlers.onBoard) this.handlers.onBoard(message);
        break;
      case "ack": {
        const command = this.commands.get(message.id);
        this.commands.delete(message.id);
        if (command && command.resolve) command.resolve(message);
        if (this.handlers.onAck) this.handlers.onAck(message);
        break;
      }
      default:
        break;
    }
  }

  // A snapshot marked "delta" lists only the bidder rows that changed since the previous one this connection got
  // (the server sends a whole snapshot on every (re)connect): merge them by id into the rows already held.
  merge(message) {
    if (message.delta && this.snapshot && this.snapshot.bidders && message.bidders) {
      const rows = new Map(this.snapshot.bidders.map((row) => [row.id, row]));
      for (const row of message.bidders) rows.set(row.id, row);
      message = { ...message, delta: false, bidders: [...rows.values()].sort((a, b) => a.id - b.id) };
    }
    this.snapshot = message;
    return message;
  }

  accept(events) {
    for (const event of events) {
      if (event.seq > this.lastSeq) this.pending.set(event.seq, event);
    }
    while (this.pending.has(this.lastSeq + 1)) {
      const event = this.pending.get(this.lastSeq + 1);
      this.pending.delete(event.seq);
      this.lastSeq = event.seq;
      if (this.handlers.onEvent) this.handlers.onEvent(event);
    }
    if (this.pending.size) this.send({ type: "sync", since: this.lastSeq });
  }
}

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function fmtTime(iso) {
  // Times are the platform's (Beijing time), whatever time zone the viewer's machine is set to.
  return iso ? new Date(iso).toLocaleTimeString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" }) : "";
}

/** Only what this person can do now: [data-when] lists the room states a control belongs to, [data-me] what the
 *  bidder's own state must be; a card whose controls are all hidden shows its [data-idle] line instead. */
function showControls(root, s) {
  const me = s.me || {};
  const mine = {
    "not-signed-in": !me.signed_in,
    "key-needed": !me.signed_in || me.decryption === "waiting",
    "key-waiting": me.signed_in && me.decryption === "waiting",
    "not-confirmed": !me.confirmed,
  };
  for (const node of root.querySelectorAll("[data-when]")) {
    const now = node.dataset.when.split(" ").includes(s.state);
    node.hidden = !(now && (!node.dataset.me || mine[node.dataset.me]));
  }
  for (const idle of root.querySelectorAll("[data-idle]")) {
    const card = idle.closest(".card");
    idle.hidden = Array.from(card.querySelectorAll("[data-when]")).some((node) => !node.hidden);
  }
}

export function startRoom(root) {
  const session = root.dataset.session;
  const role = root.dataset.role;
  const $ = (id) => document.getElementById(id);
  let snapshot = null;
  let key = null;
  const setMessage = (text) => {
    $("message").textContent = text || "";
  };
  const errorsText = (ack) => Object.values(ack.errors || {}).flat().join(" ");

  const room = new RoomConnection({
    path: `/ws/room/${session}/`,
    onStatus: (connected) => {
      $("banner").hidden = connected;
      root.dataset.connected = connected ? "yes" : "no";
    },
    onSnapshot: (s) => {
      snapshot = s;
      room.clock(s.server_time);
      $("state").textContent = s.state_label;
      root.dataset.state = s.state;
      showControls(root, s);
      const c = s.counts;
      $("counts-box").hidden = !c.bidders;
      $("counts").textContent = `${w("signed_in")} ${c.signed_in}/${c.bidders} · ${w("decrypted")} ${c.decrypted}/${c.bidders}` +
        (c.failed ? ` · ${w("not_decrypted")} ${c.failed}` : "") +
        (s.state === "confirming" ? ` · ${w("confirmed")} ${c.confirmed}` : "");
      if (s.me && $("me")) {
        $("me").textContent = `${s.me.signed_in ? w("you_signed_in") : w("you_not_signed_in")} · ${s.me.decryption_label}` +
          (s.me.decryption === "decrypting" ? ` ${s.me.progress}%` : "") + (s.me.confirmed ? ` · ${w("confirmed")}` : "") +
          (s.me.error ? ` · ${s.me.error}` : "");
        $("me").dataset.decryption = s.me.decryption;
        $("me").dataset.signedIn = s.me.signed_in ? "yes" : "no";
        $("me").dataset.confirmed = s.me.confirmed ? "yes" : "no";
      }
      if (s.bidders && $("bidders")) {
        const body = $("bidders").querySelector("tbody");
        body.replaceChildren(...s.bidders.map((b) => {
          const tr = el("tr", null, {
            "data-entry": b.id, "data-decryption": b.decryption, "data-signed-in": b.signed_in ? "yes" : "no",
            "data-confirmed": b.confirmed ? "yes" : "no",
          });
          tr.append(el("td", b.bidder), el("td", b.signed_in ? "✔" : "—"), el("td", b.decryption_label),
            el("td", `${b.progress}%`), el("td", b.confirmed ? "✔" : "—"));
          if (role === "host" && b.backup && s.state === "decrypting") {
            // EB 31: a bid that failed through no fault of its bidder, opened with the shares the custodians handed in
            const button = el("button", w("backup_decrypt"), { type: "button", class: "backup-decrypt" });
            button.onclick = () => act("backup_decrypt", { entry: b.id });
            tr.children[2].append(" ", button);
          }
          return tr;
        }));
      }
    },
    onEvent: (e) => {
      const li = el("li", `${fmtTime(e.at)} ${KIND_LABELS[e.kind] || e.kind}`, { "data-seq": e.seq, "data-kind": e.kind });
      $("log").append(li);
      root.dataset.lastSeq = e.seq;
      if (e.payload && e.payload.state) {
        root.dataset.state = e.payload.state;
      }
      if (e.kind === "published") showTable(e.payload);
      if (e.kind === "failed" && e.payload.failure_reason) setMessage(e.payload.failure_reason);
      if (e.kind === "objection_raised") addObjection(e.payload);
      if (e.kind === "objection_answered") {
        const item = document.querySelector(`[data-objection="${e.payload.objection}"]`);
        if (item) {
          item.querySelector(".answer").textContent = `${w("answer_colon")}${e.payload.answer}`;
          item.dataset.answered = "yes";
          const form = item.querySelector("form");
          if (form) form.remove();
        }
      }
      if (e.kind === "record_published") {
        $("record").replaceChildren(el("a", "PDF", { href: e.payload.url, id: "record-link" }), " SHA-256 ",
          el("code", e.payload.sha256));
      }
    },
  });

  // A price as people read money: thousands separators, two places (the text of the decimal, never a float).
  function money(text) {
    const match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(String(text ?? "").trim());
    if (!match) return text ?? "—";
    const whole = match[2].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return `${match[1]}${whole}.${(match[3] || "").padEnd(2, "0")}`;
  }

  function showTable(payload) {
    const body = $("results").querySelector("tbody");
    // A section that asks for a bid bond: one more column, each bid's bond status (shown only now, after opening).
    const bonds = payload.table.some((row) => row.bond);
    const head = $("results").querySelector("thead tr");
    if (bonds && !head.querySelector("[data-bond]")) head.append(el("th", w("bid_bond"), { "data-bond": "yes" }));
    body.replaceChildren(...payload.table.map((row) => {
      const s = row.summary || {};
      const tr = el("tr", null, { "data-bidder": row.bidder });
      tr.append(el("td", row.no), el("td", row.bidder), el("td", money(s.price), { class: "num" }),
        el("td", s.duration || "—"), el("td", s.quality || "—"), el("td", s.project_manager || "—"));
      if (bonds) {
        const bond = row.bond || {};
        tr.append(el("td", bond.label || "—", { class: bond.ok ? "bond-ok" : "bond-missing", "data-bond": bond.state }));
      }
      return tr;
    }));
    $("results").dataset.published = "yes";
    if (payload.not_opened && payload.not_opened.length) {
      const box = $("not-opened");
      box.replaceChildren(el("h3", w("not_opened")), ...payload.not_opened.map(
        (n) => el("p", `${n.bidder}${w("colon")}${n.state_label} (${n.reason})`, { class: "not-opened", "data-state": n.state })));
    }
  }

  function addObjection(payload) {
    const li = el("li", null, { "data-objection": payload.objection });
    li.append(el("span", `${payload.bidder}${w("colon")}${payload.text}`, { class: "text" }), " ", el("span", "", { class: "answer" }));
    if (role === "host") {
      const form = el("form");
      const input = el("input", null, { name: "answer", class: "answer-input" });
      const button = el("button", w("answer"), { type: "submit" });
      form.append(input, button);
      form.onsubmit = async (ev) => {
        ev.preventDefault();
        const ack = await room.command("answer", { objection: payload.objection, answer: input.value });
        setMessage(ack.ok ? w("answered") : errorsText(ack));
      };
      li.append(form);
    }
    $("objections").append(li);
  }

  // Countdown on the server clock.
  setInterval(() => {
    if (!snapshot) return;
    let target = null;
    let label = "";
    if (snapshot.state === "scheduled") [target, label] = [snapshot.opens_at, w("until_opening")];
    if (snapshot.state === "decrypting") [target, label] = [snapshot.decrypt_ends_at, w("decryption_left")];
    if (snapshot.state === "confirming") [target, label] = [snapshot.confirm_ends_at, w("objections_left")];
    $("countdown-label").textContent = label;
    $("countdown-box").hidden = !target;
    if (!target) {
      $("countdown").textContent = "";
      return;
    }
    const left = Math.max(0, Math.floor((Date.parse(target) - room.now()) / 1000));
    $("countdown").textContent = `${String(Math.floor(left / 60)).padStart(2, "0")}:${String(left % 60).padStart(2, "0")}`;
  }, 250);

  const act = async (action, args = {}) => {
    const ack = await room.command(action, args);
    setMessage(ack.ok ? "" : errorsText(ack));
    return ack;
  };
  for (const button of root.querySelectorAll("#host button[data-action]")) {
    button.onclick = () => act(button.dataset.action);
  }

  async function loadKey() {
    if (key) return key;
    const file = $("keyfile").files[0];
    if (!file) throw new Error(w("choose_key"));
    const { privateKeyFromPem } = await import("./sealing.js");
    key = await privateKeyFromPem(await file.text(), $("passphrase").value);
    return key;
  }

  if (role === "bidder" && $("sign-in")) {  // an SM2 certificate's holder signs with the bidder tool instead
    $("sign-in").onclick = async () => {
      try {
        const k = await loadKey();
        const challenge = await room.command("challenge");
        if (!challenge.ok) return setMessage(errorsText(challenge));
        const data = new TextEncoder().encode(challenge.result.challenge);
        const signature = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, k.signingKey, data));
        await act("sign_in", { signature: btoa(String.fromCharCode(...signature)) });
      } catch (error) {
        setMessage(error.message);
      }
    };
    $("release").onclick = async () => {
      try {
        const k = await loadKey();
        const envelope = await fetch(`/opening/${session}/my-envelope/`);
        if (!envelope.ok) return setMessage(w("no_envelope"));
        const { unwrapContentKey } = await import("./sealing.js");
        const contentKey = await unwrapContentKey(await envelope.blob(), k);
        await act("release_key", { content_key: btoa(String.fromCharCode(...contentKey)) });
      } catch (error) {
        setMessage(error.message);
      }
    };
  }
  if (role === "bidder") {
    $("confirm").onclick = () => act("confirm");
    $("object").onclick = async () => {
      const ack = await act("object", { text: $("objection-text").value });
      if (ack.ok) $("objection-text").value = "";
    };
  }
  window.sunshineRoom = room;
  return room;
}

export function startBoard({ table, banner }) {
  return new RoomConnection({
    path: "/ws/board/",
    onStatus: (connected) => {
      banner.hidden = connected;
    },
    onBoard: (message) => {
      table.replaceChildren(...message.rooms.map((r) => {
        const tr = el("tr", null, { "data-room": r.id, "data-state": r.state });
        const link = el("a", r.section, { href: `/opening/${r.id}/` });
        const cell = el("td");
        cell.append(link);
        const alerts = el("td");
        for (const a of r.alerts) alerts.append(el("span", a.text, { class: "alert", "data-alert": a.kind }), " ");
        tr.append(cell, el("td", r.title), el("td", r.state_label), el("td", `${r.signed_in}/${r.bidders}`),
          el("td", `${r.decrypted}/${r.bidders}`), alerts);
        return tr;
      }));
    },
  });
}
