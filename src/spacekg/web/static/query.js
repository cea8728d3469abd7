// The SPARQL query page: syntax highlighting over the textarea, Ctrl+Enter to
// run, the caret put at a reported syntax error. Hand-written, no build step,
// no dependencies; the page works without it. Text is only ever inserted with
// textContent / createTextNode, never as HTML.
(function () {
  "use strict";

  var KEYWORDS = new Set((
    "BASE PREFIX SELECT CONSTRUCT DESCRIBE ASK DISTINCT REDUCED FROM NAMED WHERE " +
    "GRAPH OPTIONAL UNION MINUS FILTER BIND VALUES SERVICE SILENT AS GROUP BY HAVING " +
    "ORDER ASC DESC LIMIT OFFSET NOT IN EXISTS UNDEF A COUNT SUM MIN MAX AVG SAMPLE " +
    "GROUP_CONCAT SEPARATOR STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS " +
    "CEIL FLOOR ROUND CONCAT STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS " +
    "STRENDS STRBEFORE STRAFTER YEAR MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW " +
    "UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE IF STRLANG STRDT SAMETERM " +
    "ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE TRUE FALSE LATERAL"
  ).split(" "));

  // One alternative per token kind, tried left to right at each position.
  var TOKEN = new RegExp([
    "(#[^\\n]*)",                                                   // 1 comment
    "(\"\"\"[\\s\\S]*?(?:\"\"\"|$)|'''[\\s\\S]*?(?:'''|$)|\"(?:[^\"\\\\\\n]|\\\\.)*\"?|'(?:[^'\\\\\\n]|\\\\.)*'?)", // 2 string
    "(<[^<>\"{}|^`\\\\\\s]*>)",                                     // 3 IRI
    "([?$][\\w\\u00b7\\u00c0-\\uffff]+)",                            // 4 variable
    "([A-Za-z\\u00c0-\\uffff][\\w.\\-\\u00c0-\\uffff]*)?:([\\w.\\-%\\u00c0-\\uffff]*)", // 5,6 prefixed name
    "([A-Za-z_]+)",                                                  // 7 word
    "([+-]?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)"                      // 8 number
  ].join("|"), "g");

  function span(cls, text) {
    var el = document.createElement("span");
    el.className = cls;
    el.textContent = text;
    return el;
  }

  function highlight(text, target) {
    var out = document.createDocumentFragment();
    var last = 0, match;
    TOKEN.lastIndex = 0;
    while ((match = TOKEN.exec(text)) !== null) {
      if (match[0] === "") { TOKEN.lastIndex++; continue; }
      if (match.index > last) out.appendChild(document.createTextNode(text.slice(last, match.index)));
      var cls = null;
      if (match[1] !== undefined) cls = "tok-comment";
      else if (match[2] !== undefined) cls = "tok-string";
      else if (match[3] !== undefined) cls = "tok-iri";
      else if (match[4] !== undefined) cls = "tok-var";
      else if (match[6] !== undefined) cls = "tok-pname";
      else if (match[7] !== undefined) cls = KEYWORDS.has(match[7].toUpperCase()) ? "tok-keyword" : null;
      else if (match[8] !== undefined) cls = "tok-number";
      out.appendChild(cls ? span(cls, match[0]) : document.createTextNode(match[0]));
      last = TOKEN.lastIndex;
    }
    out.appendChild(document.createTextNode(text.slice(last) + "\n"));
    target.replaceChildren(out);
  }

  function offsetOf(text, line, column) {
    var lines = text.split("\n"), offset = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
    return Math.min(text.length, offset + Math.max(0, column - 1));
  }

  document.addEventListener("DOMContentLoaded", function () {
    var area = document.getElementById("query");
    var code = document.getElementById("query-highlight");
    if (!area || !code) return;
    var editor = area.parentElement, pre = code.parentElement;
    var minRows = parseInt(area.dataset.minRows || "8", 10);
    var maxRows = parseInt(area.dataset.maxRows || "30", 10);
    var update = function () {
      highlight(area.value, code);
      // Grow with the query (one spare line) up to maxRows, then scroll.
      var lines = area.value.split("\n").length + 1;
      area.rows = Math.min(Math.max(lines, minRows), maxRows);
    };
    var sync = function () { pre.scrollTop = area.scrollTop; pre.scrollLeft = area.scrollLeft; };
    area.addEventListener("input", update);
    area.addEventListener("scroll", sync);
    area.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        area.form.requestSubmit ? area.form.requestSubmit() : area.form.submit();
      } else if (event.key === "Tab" && !event.shiftKey && !event.ctrlKey) {
        event.preventDefault();  // indent instead of leaving the editor (Shift+Tab still leaves)
        area.setRangeText("  ", area.selectionStart, area.selectionEnd, "end");
        update();
      }
    });
    editor.classList.add("highlighted");
    update();
    // Keep the chosen format across runs: the permalink carries it too.
    var format = new URLSearchParams(window.location.search).get("format");
    var select = document.getElementById("format");
    if (format && select && select.querySelector("option[value='" + CSS.escape(format) + "']")) {
      select.value = format;
    }
    var line = parseInt(area.dataset.errorLine || "", 10);
    if (line > 0) {
      var at = offsetOf(area.value, line, parseInt(area.dataset.errorColumn || "1", 10));
      area.focus();
      area.setSelectionRange(at, Math.min(area.value.length, at + 1));
    }
  });
})();
