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
    const text = speakableText(document.querySelector("main") || document.body);
    const utterance = new SpeechSynthesisUtterance(text.slice(0, 4000));
    utterance.lang = document.documentElement.lang || "zh-CN";
    utterance.rate = 0.9;
    window.speechSynthesis.speak(utterance);
  });

  // What is worth hearing: a clone of <main> without the tracking address under a QR code, the code itself,
  // what is hidden from assistive technology or from view, hidden form fields, and [data-speak-skip]. The clone
  // is not laid out, so what is not displayed is found on the live page (same element order in both trees).
  const SKIP = ".ds-qr-url, svg, [aria-hidden=true], input[type=hidden], script, style, template, [data-speak-skip]";
  function speakableText(root) {
    const copy = root.cloneNode(true);
    const live = root.querySelectorAll("*");
    const copied = copy.querySelectorAll("*");
    const drop = [];
    live.forEach(function (element, i) {
      if (element.matches(SKIP) || !element.getClientRects().length) drop.push(copied[i]);
    });
    drop.forEach(function (element) { element.remove(); });
    const parts = [];
    const walker = document.createTreeWalker(copy, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) parts.push(walker.currentNode.nodeValue);
    return parts.join(" ").replace(/\s+/g, " ").trim();
  }
})();

// Photos from a phone camera are often over the 5 MB the server takes: a JPEG or PNG over 1.5 MB chosen in an
// image upload is redrawn in the browser at 2000 px on its longest side as a JPEG (quality 0.85) and put back
// in the input under its own name with .jpg. PDFs and small images are left alone; if the browser cannot do it,
// the file stays as chosen and the server's own check still answers. A form submitted while a photo is still
// being shrunk waits for it.
(function () {
  const LIMIT = 1.5 * 1024 * 1024, LONGEST = 2000, QUALITY = 0.85;
  const pending = new WeakMap();  // input -> promise of its shrinking

  function shrink(file) {
    if (!/^image\/(jpeg|png)$/.test(file.type) || file.size <= LIMIT || !window.createImageBitmap) {
      return Promise.resolve(file);
    }
    return createImageBitmap(file).then(function (bitmap) {
      const scale = Math.min(1, LONGEST / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      const ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";  // a PNG's transparent parts become white, not black, in a JPEG
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      if (bitmap.close) bitmap.close();
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", QUALITY); });
    }).then(function (blob) {
      if (!blob || blob.size >= file.size) return file;
      const name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
      return new File([blob], name, {type: "image/jpeg", lastModified: file.lastModified});
    }).catch(function () { return file; });
  }

  document.addEventListener("change", function (event) {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file" || !/image/.test(input.accept || "")) return;
    const chosen = Array.from(input.files || []);
    if (!chosen.some(function (f) { return f.size > LIMIT; })) return;
    input.dataset.shrinking = "1";
    const done = Promise.all(chosen.map(shrink)).then(function (files) {
      if (files.some(function (f, i) { return f !== chosen[i]; }) && window.DataTransfer) {
        try {
          const transfer = new DataTransfer();
          files.forEach(function (f) { transfer.items.add(f); });
          input.files = transfer.files;  // setting files fires no change event: this does not run again
        } catch (e) { /* leave the file as chosen */ }
      }
    }).finally(function () {
      delete input.dataset.shrinking;
      pending.delete(input);
    });
    pending.set(input, done);
  });

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    const waiting = Array.from(form.querySelectorAll("input[type=file]")).map(function (input) {
      return pending.get(input);
    }).filter(Boolean);
    if (!waiting.length) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    const submitter = event.submitter;
    Promise.all(waiting).then(function () { form.requestSubmit(submitter || undefined); });
  }, true);
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
