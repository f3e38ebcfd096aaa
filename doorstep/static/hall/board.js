// The display board (叫号屏, issue #14 item 6): polls the feed every data-poll milliseconds, shows each call and
// recall and reads it aloud with the browser's speech synthesis, strictly in the order they were made.
//
// The feed returns the calls after the last id seen AND those of the last seconds (a call committed late on
// PostgreSQL has a smaller id than one already shown), ordered by (at, id): the board drops the ids it has shown,
// sorts what is new, and queues one utterance per call — never cancelling one still pending, so two calls 200 ms
// apart are both heard, in order. Browsers refuse speech before a user gesture (autoplay policy): the overlay
// asks for one click, once.
(function () {
  "use strict";
  const root = document.getElementById("board");
  if (!root) return;
  const words = document.getElementById("board-words").dataset;
  const latest = document.getElementById("board-latest");
  const list = document.getElementById("board-calls");
  const windowsBox = document.getElementById("board-windows");
  const offline = document.getElementById("board-offline");
  const overlay = document.getElementById("board-voice");
  const clock = document.getElementById("board-clock");
  const feedUrl = root.dataset.feed;
  const poll = parseInt(root.dataset.poll, 10) || 500;
  const SHOWN = 8, REMEMBERED = 500;
  let after = parseInt(root.dataset.after, 10) || 0;
  let voiceOn = false, voice = null;
  const seen = new Set((root.dataset.seen || "").split(",").filter(Boolean).map(Number));
  const calls = Array.from(list.querySelectorAll("[data-call-id]")).map(function (li) {
    return {id: Number(li.dataset.callId), at: li.dataset.at, text: li.dataset.text,
            number: li.firstElementChild.textContent, action: li.querySelector(".recall") ? "recall" : "call",
            window: null, windowText: li.lastElementChild.firstChild.textContent};
  });

  function made(a, b) {  // the order calls were made: their time, then their id
    return (Date.parse(a.at) - Date.parse(b.at)) || (a.id - b.id);
  }

  function chooseVoice() {
    if (!("speechSynthesis" in window)) return;
    const voices = window.speechSynthesis.getVoices() || [];
    const lang = (document.documentElement.lang || "zh-CN").toLowerCase();
    voice = voices.find(function (v) { return (v.lang || "").toLowerCase().replace("_", "-") === lang; })
      || voices.find(function (v) { return (v.lang || "").toLowerCase().startsWith(lang.slice(0, 2)); }) || null;
  }

  function say(text) {
    if (!voiceOn || !("speechSynthesis" in window) || !window.SpeechSynthesisUtterance) return;
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = document.documentElement.lang || "zh-CN";
    utterance.rate = 0.9;
    if (voice) utterance.voice = voice;
    window.speechSynthesis.speak(utterance);  // queued behind any utterance still speaking: never cancelled
  }

  function windowText(call) {
    return call.windowText || words.window.replace("{number}", call.window == null ? "" : call.window);
  }

  function drawCalls() {
    calls.sort(made).reverse();
    calls.length = Math.min(calls.length, SHOWN);
    const items = calls.map(function (call) {
      const li = document.createElement("li");
      li.dataset.callId = call.id;
      li.dataset.at = call.at;
      li.dataset.text = call.text;
      li.dataset.testid = "call";
      const number = document.createElement("span");
      number.textContent = call.number;
      const where = document.createElement("span");
      where.textContent = windowText(call);
      if (call.action === "recall") {
        const mark = document.createElement("span");
        mark.className = "recall";
        mark.textContent = words.recall;
        where.appendChild(mark);
      }
      li.append(number, where);
      return li;
    });
    list.replaceChildren.apply(list, items);
    if (calls.length) {
      latest.textContent = calls[0].text;
      latest.classList.remove("flash");
      void latest.offsetWidth;  // restart the animation
      latest.classList.add("flash");
    }
  }

  function drawWindows(states) {
    if (!Array.isArray(states)) return;
    windowsBox.replaceChildren.apply(windowsBox, states.map(function (w) {
      const box = document.createElement("div");
      box.className = "win " + w.state;
      box.dataset.testid = "window-state";
      const name = document.createElement("span");
      name.textContent = words.window.replace("{number}", w.number);
      const state = document.createElement("span");
      if (w.ticket) {
        const ticket = document.createElement("span");
        ticket.className = "ticket";
        ticket.textContent = w.ticket;
        state.append(ticket, " ");
      }
      state.append(w.label);
      box.append(name, state);
      return box;
    }));
  }

  function receive(data) {
    after = Math.max(after, Number(data.after) || 0);
    const fresh = (data.events || []).filter(function (e) { return !seen.has(e.id); }).sort(made);
    // a call that reaches the board late (back from an outage) is shown but not read aloud: nobody waits for it
    const oldest = Date.parse(data.now) - 1000 * (Number(data.announce_seconds) || 60);
    fresh.forEach(function (e) {
      seen.add(e.id);
      calls.push(e);
      if (!(Date.parse(e.at) < oldest)) say(e.text);
    });
    if (seen.size > REMEMBERED) {  // the oldest ids are long out of the feed's window
      Array.from(seen).sort(function (a, b) { return a - b; }).slice(0, seen.size - REMEMBERED)
        .forEach(function (id) { seen.delete(id); });
    }
    if (fresh.length) drawCalls();
    drawWindows(data.windows);
  }

  function tick() {
    fetch(feedUrl + "?after=" + after, {cache: "no-store", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        offline.hidden = true;
        receive(data);
        window.setTimeout(tick, poll);
      })
      .catch(function () {
        offline.hidden = false;
        window.setTimeout(tick, Math.max(poll * 4, 2000));
      });
  }

  overlay.addEventListener("click", function () {
    voiceOn = true;
    overlay.hidden = true;
    chooseVoice();
    say(words.voiceOn);
  });
  if ("speechSynthesis" in window && window.speechSynthesis.addEventListener) {
    window.speechSynthesis.addEventListener("voiceschanged", chooseVoice);
  }

  function showClock() {  // the hall's time (settings.TIME_ZONE), whatever the screen's computer is set to
    const options = {hour: "2-digit", minute: "2-digit", hour12: false};
    try {
      clock.textContent = new Date().toLocaleTimeString("zh-CN", Object.assign({timeZone: root.dataset.zone}, options));
    } catch (e) {
      clock.textContent = new Date().toLocaleTimeString("zh-CN", options);
    }
  }
  showClock();
  window.setInterval(showClock, 10000);
  tick();
})();
