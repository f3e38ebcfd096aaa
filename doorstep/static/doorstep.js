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
