// Click a column header to sort the table by it; click again to reverse.
// Cells sort by their data-sort value (the full number) or their text;
// empty values stay last. Without this script the tables read as written.
(function () {
  "use strict";

  function key(row, column) {
    var cell = row.cells[column];
    if (!cell) return "";
    var value = cell.getAttribute("data-sort");
    return value === null ? cell.textContent.trim() : value;
  }

  function sortBy(table, column, header) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var keys = rows.map(function (row) { return key(row, column); });
    var numeric = keys.every(function (k) { return k === "" || isFinite(Number(k)); });
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var order = rows.map(function (row, i) { return i; });
    order.sort(function (a, b) {
      var x = keys[a], y = keys[b];
      if (x === "" || y === "") return x === y ? a - b : (x === "" ? 1 : -1);
      var c = numeric ? Number(x) - Number(y)
        : x.localeCompare(y, undefined, { numeric: true, sensitivity: "base" });
      if (!ascending) c = -c;
      return c !== 0 ? c : a - b;
    });
    order.forEach(function (i) { body.appendChild(rows[i]); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.setAttribute("aria-sort", "none");
    });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    if (!table.tHead || !table.tBodies.length) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.title = "Sort by this column";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () { sortBy(table, column, th); });
    });
  });
})();
