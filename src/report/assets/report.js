
(() => {
  "use strict";
  const table = document.getElementById("page-table");
  if (!table) return;
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  const heads = Array.from(table.tHead.rows[0].cells);
  const text = document.getElementById("filter-text");
  const boxes = Array.from(document.querySelectorAll("input.verdict-filter"));
  const shown = document.getElementById("shown-count");
  let sorted = null;

  const key = (row, col, numeric) => {
    const cell = row.cells[col];
    const raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
    if (!numeric) return raw.trim().toLowerCase();
    return raw === "" ? null : Number(raw);
  };

  const sortBy = (col, desc) => {
    const numeric = heads[col].dataset.type === "num";
    const keyed = rows.map((row, i) => [key(row, col, numeric), i, row]);
    keyed.sort((a, b) => {
      if (a[0] === b[0]) return a[1] - b[1];
      if (a[0] === null) return 1;
      if (b[0] === null) return -1;
      return (a[0] < b[0] ? -1 : 1) * (desc ? -1 : 1);
    });
    for (const k of keyed) body.appendChild(k[2]);
    heads.forEach((h, i) => h.setAttribute("aria-sort", i === col ? (desc ? "descending" : "ascending") : "none"));
    sorted = { key: heads[col].dataset.key, desc };
  };

  const filter = () => {
    const q = text.value.trim().toLowerCase();
    const allowed = new Set(boxes.filter((b) => b.checked).map((b) => b.value));
    let n = 0;
    for (const row of rows) {
      const ok = allowed.has(row.dataset.verdict) && (q === "" || row.textContent.toLowerCase().includes(q));
      row.hidden = !ok;
      if (ok) n += 1;
    }
    shown.textContent = n + " of " + rows.length + " pages shown";
  };

  const remember = () => {
    const p = new URLSearchParams();
    if (text.value.trim() !== "") p.set("q", text.value.trim());
    if (boxes.some((b) => !b.checked)) p.set("verdict", boxes.filter((b) => b.checked).map((b) => b.value).join(","));
    if (sorted) { p.set("sort", sorted.key); if (sorted.desc) p.set("desc", "1"); }
    try { history.replaceState(null, "", "#" + p.toString()); } catch (e) { /* file: URLs may refuse */ }
  };

  heads.forEach((h, col) => {
    const button = h.querySelector("button");
    if (!button) return;
    button.addEventListener("click", () => {
      const desc = h.getAttribute("aria-sort") === "ascending";
      sortBy(col, desc);
      remember();
    });
  });
  text.addEventListener("input", () => { filter(); remember(); });
  for (const b of boxes) b.addEventListener("change", () => { filter(); remember(); });

  const start = new URLSearchParams(location.hash.slice(1));
  if (start.has("q")) text.value = start.get("q");
  if (start.has("verdict")) {
    const wanted = start.get("verdict").split(",");
    for (const b of boxes) b.checked = wanted.includes(b.value);
  }
  const col = heads.findIndex((h) => h.dataset.key === start.get("sort"));
  if (col >= 0) sortBy(col, start.get("desc") === "1");
  filter();
  document.body.dataset.ready = "1";
})();
