// Page behaviour without inline scripts: the Content-Security-Policy lets scripts come only from our static files,
// so templates mark elements with data attributes instead of onclick.
//   data-print            prints the page (receipts, notices, certificates, ledgers)
//   data-confirm="问题"    asks before the button or link does its work
(function () {
  document.addEventListener("click", function (event) {
    if (!(event.target instanceof Element)) return;
    const printer = event.target.closest("[data-print]");
    if (printer) {
      event.preventDefault();
      window.print();
      return;
    }
    const asking = event.target.closest("[data-confirm]");
    if (asking && !window.confirm(asking.dataset.confirm)) {
      event.preventDefault();
    }
  });
})();

// 朗读 (issue #11 item 16): the page's main text read aloud by the browser's own speech synthesis, in Chinese; a
// second press stops it. Nothing is sent anywhere.
(function () {
  document.addEventListener("click", function (event) {
    if (!(event.target instanceof Element)) return;
    const button = event.target.closest("[data-speak]");
    if (!button || !("speechSynthesis" in window)) return;
    event.preventDefault();
    if (window.speechSynthesis.speaking) {
      window.speechSynthesis.cancel();
      return;
    }
    const main = document.querySelector("main");
    const text = (main ? main.innerText : document.body.innerText).replace(/\s+/g, " ").trim();
    const utterance = new SpeechSynthesisUtterance(text.slice(0, 4000));
    utterance.lang = document.documentElement.lang || "zh-CN";
    utterance.rate = 0.9;
    window.speechSynthesis.speak(utterance);
  });
})();

// 签名 (issue #11 item 6): a signature drawn with a finger on [data-signature-pad]; on submit the form's
// [data-signature-value] gets the drawing as a PNG data URL (left empty when nothing was drawn).
(function () {
  document.querySelectorAll("[data-signature-form]").forEach(function (form) {
    const canvas = form.querySelector("[data-signature-pad]");
    const value = form.querySelector("[data-signature-value]");
    if (!canvas || !value) return;
    const ctx = canvas.getContext("2d");
    let drawing = false, drawn = false;
    function fit() {
      const width = canvas.clientWidth;
      if (width && canvas.width !== width) { canvas.width = width; }
      ctx.lineWidth = 3; ctx.lineCap = "round"; ctx.strokeStyle = "#111";
    }
    fit();
    function at(event) {
      const box = canvas.getBoundingClientRect();
      return [event.clientX - box.left, event.clientY - box.top];
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true; canvas.setPointerCapture(event.pointerId);
      const [x, y] = at(event); ctx.beginPath(); ctx.moveTo(x, y);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      const [x, y] = at(event); ctx.lineTo(x, y); ctx.stroke(); drawn = true;
    });
    ["pointerup", "pointercancel"].forEach(function (name) {
      canvas.addEventListener(name, function () { drawing = false; });
    });
    const clear = form.querySelector("[data-signature-clear]");
    if (clear) clear.addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height); drawn = false; value.value = "";
    });
    form.addEventListener("submit", function () {
      value.value = drawn ? canvas.toDataURL("image/png") : "";
    });
  });
})();
