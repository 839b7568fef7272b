// A lot's live bidding hall (templates/auctions/hall.html); protocol in docs/auctions.md "The live hall".
// The connection (seq order, catch-up, commands re-sent until acknowledged, the server clock) is the opening
// room's RoomConnection; the countdown runs on the server's clock from the lot's recorded end.
import { RoomConnection } from "./room.js";

const STATES = {
  waiting: "等待开始", listing: "挂牌报价中", live: "限时竞价/拍卖进行中", sold: "成交",
  pending_approval: "待审批（低于评估值的九成）", no_deal: "流拍", refused: "竞得人拒绝成交", suspended: "已暂停",
};
const PHASES = { listing: "挂牌", live: "限时竞价" };
const DOCUMENTS = { certificate: "网上竞得证明", confirmation: "成交确认书" };

const root = document.getElementById("hall");
const $ = (id) => document.getElementById(id);
const lotId = root.dataset.lot;
const view = { state: "", liveEndsAt: null, warningSeconds: 60, me: "", seqs: new Set(), closed: null };

function money(value) {
  if (value === null || value === undefined || value === "") return "—";
  const [whole, cents = "00"] = String(value).split(".");
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${cents.padEnd(2, "0").slice(0, 2)}`;
}

function time(iso) {
  return iso ? new Date(iso).toLocaleTimeString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" }) : "";
}

function setState(state, suspended) {
  view.state = state;
  $("state").textContent = suspended ? STATES.suspended : STATES[state] || state;
  const form = $("bid-form");
  if (form) form.hidden = !(state === "listing" || state === "live") || suspended;
}

function setLeader(amount, number) {
  $("current").textContent = money(amount);
  $("leader").textContent = number || "—";
  const mine = $("me-leading");
  if (mine) mine.textContent = number && number === view.me ? "（您是当前最高报价人）" : "";
  const input = $("amount");
  if (input && !input.value && amount) {
    const step = Number($("increment").dataset.value);
    input.placeholder = `≥ ${money((Number(amount) + step).toFixed(2))}`;
  }
}

function addBid(seq, number, amount, phase, at) {
  if (view.seqs.has(seq)) return;
  view.seqs.add(seq);
  const row = document.createElement("tr");
  for (const text of [seq, number, money(amount), PHASES[phase] || phase, time(at)]) {
    const cell = document.createElement("td");
    cell.textContent = String(text);
    row.appendChild(cell);
  }
  $("bids").tBodies[0].prepend(row);
}

function showResult(payload) {
  view.closed = payload;
  const box = $("result");
  box.hidden = false;
  box.textContent = payload.deal_price
    ? `结果：${STATES[payload.outcome] || payload.outcome}，成交价 ${money(payload.deal_price)} 元，竞得人 ${payload.winner_name}（竞买号 ${payload.winner_number}）`
    : `结果：${STATES[payload.outcome] || payload.outcome}${payload.reason ? `（${payload.reason}）` : ""}`;
  view.liveEndsAt = null;
}

function addDocument(kind, url, sha) {
  const item = document.createElement("li");
  const link = document.createElement("a");
  link.href = url;
  link.textContent = `${DOCUMENTS[kind] || kind}（PDF）`;
  item.appendChild(link);
  item.append(` SHA-256 ${sha}`);
  $("documents").appendChild(item);
}

// Where the sale requires certificates, the hello carries a challenge that the bidder signs with its certificate's
// key (docs/certificates.md); the key stays in this page and signs again on every reconnection.
const signIn = { box: $("hall-sign-in"), challenge: "", key: null };

async function signInSend() {
  const status = $("hall-sign-in-status");
  try {
    if (!signIn.key) {
      const file = $("hall-keyfile").files[0];
      if (!file) throw new Error(signIn.box.dataset.msgChooseKey);
      const { privateKeyFromPem } = await import("./sealing.js");
      signIn.key = await privateKeyFromPem(await file.text(), $("hall-passphrase").value);
    }
    const data = new TextEncoder().encode(signIn.challenge);
    const signature = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, signIn.key.signingKey, data));
    conn.send({ type: "sign_in", signature: btoa(String.fromCharCode(...signature)) });
  } catch (error) {
    status.textContent = error.message;
  }
}

if (signIn.box) $("hall-sign-in-button").addEventListener("click", signInSend);

class HallConnection extends RoomConnection {
  receive(message) {
    if (message.type === "signed_in") {
      $("hall-sign-in-status").textContent = message.ok ? signIn.box.dataset.msgSignedIn
        : Object.values(message.errors).flat().join(" ");
      if (!message.ok) signIn.key = null;
      return;
    }
    if (message.type === "warning") {
      this.clock(message.server_time);
      $("warning").hidden = false;
      $("warning").textContent = message.text;
      return;
    }
    super.receive(message);
  }
}

const conn = new HallConnection({
  path: `/ws/hall/${lotId}/`,
  onHello: (hello) => {
    view.me = hello.bidder_number || "";
    view.warningSeconds = hello.warning_seconds;
    if (hello.sign_in && signIn.box) {
      signIn.challenge = hello.sign_in.challenge;
      if (signIn.key) signInSend();  // a reconnection: sign its new challenge with the key already open
    }
  },
  onSnapshot: (s) => {
    const lot = s.lot;
    setState(lot.state, lot.suspended);
    setLeader(lot.current_price, lot.leading_number);
    view.liveEndsAt = lot.state === "live" ? lot.live_ends_at : null;
    for (const bid of s.bids) addBid(bid.seq, bid.bidder_number, bid.amount, bid.phase, bid.at);
  },
  onEvent: (event) => {
    const p = event.payload;
    switch (event.kind) {
      case "listing_opened": setState("listing"); break;
      case "live_opened": setState("live"); view.liveEndsAt = p.live_ends_at; break;
      case "bid":
        addBid(event.seq, p.bidder_number, p.amount, p.phase, event.at);
        setLeader(p.amount, p.bidder_number);
        if (p.live_ends_at) { view.liveEndsAt = p.live_ends_at; $("warning").hidden = true; }
        break;
      case "suspended": setState(view.state, true); break;
      case "resumed": setState(view.state, false); if (p.live_ends_at) view.liveEndsAt = p.live_ends_at; break;
      case "closed": setState(p.outcome); showResult(p); break;
      case "document_published": addDocument(p.document, p.url, p.sha256); break;
      default: break;
    }
  },
  onStatus: (connected) => {
    $("banner").hidden = connected;
    root.dataset.connected = connected ? "yes" : "no";
  },
});
window.hall = { conn, view };

setInterval(() => {
  const box = $("countdown-box");
  if (!view.liveEndsAt) { box.hidden = true; return; }
  const left = Math.max(0, Math.ceil((Date.parse(view.liveEndsAt) - conn.now()) / 1000));
  box.hidden = false;
  $("countdown").textContent = `${String(Math.floor(left / 60)).padStart(2, "0")}:${String(left % 60).padStart(2, "0")}`;
  if (left <= view.warningSeconds && left > 0) {
    $("warning").hidden = false;
    $("warning").textContent = `竞价即将结束：剩余 ${left} 秒，有效报价将重新开始倒计时。`;
  }
}, 250);

const form = $("bid-form");
if (form) {
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const amount = $("amount").value.trim().replace(/,/g, "");
    const message = $("bid-message");
    if (!amount) { message.textContent = "请填写报价金额。"; return; }
    $("bid").disabled = true;
    message.textContent = "报价已发送，等待确认……";
    const ack = await conn.command("bid", { amount });
    $("bid").disabled = false;
    if (ack.ok) {
      message.textContent = `报价 ${money(ack.result.amount)} 元已被接受（第 ${ack.result.seq} 号）。`;
      $("amount").value = "";
    } else {
      message.textContent = `报价未被接受：${Object.values(ack.errors).flat().join(" ")}`;
    }
  });
}
