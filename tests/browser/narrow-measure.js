// Measures the report as laid out in a 400 px wide frame (check-html.sh loads the report into an
// <iframe width=400>, since headless Chromium's window is never narrower than 500 px) and hands
// the numbers to the parent page, which --dump-dom then writes out for check_narrow.py.
(function () {
  function box(el) {
    if (!el) return null;
    var b = el.getBoundingClientRect();
    return { left: b.left, right: b.right, top: b.top + window.scrollY, height: b.height };
  }
  // The most lines any page cell's URL takes: letter-by-letter breaking makes it tall.
  var urlLines = 0;
  document.querySelectorAll("#page-table td.url").forEach(function (td) {
    // One rectangle per text run; the lines are their distinct tops.
    var range = document.createRange();
    range.selectNodeContents(td.querySelector("a") || td);
    var tops = {};
    Array.prototype.forEach.call(range.getClientRects(), function (r) {
      if (r.width > 0) tops[Math.round(r.top)] = true;
    });
    urlLines = Math.max(urlLines, Object.keys(tops).length);
  });
  var dies = [];
  document.querySelectorAll("#page-table td.detail").forEach(function (td) {
    dies.push(box(td));
  });
  var res = {
    viewport: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    deadLine: box(document.getElementById("dead-line")),
    chart: box(document.getElementById("age-chart")),
    advice: box(document.getElementById("layers")),
    table: box(document.getElementById("page-table")),
    dies: dies,
    urlLines: urlLines
  };
  if (window.parent !== window) window.parent.postMessage(JSON.stringify(res), "*");
})();
