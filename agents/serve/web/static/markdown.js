// Markdown to DOM nodes, never to an HTML string: every piece of text lands in a text
// node (textContent), so nothing a model or a document writes can become markup or run.
// Covers what answers use: paragraphs, headings, code fences and spans, lists (nested by
// indentation), tables, quotes, rules, emphasis, safe links and [path § heading] citations.

const SAFE_URL = /^(https?:\/\/|mailto:)/i;
const FENCE = /^\s*(`{3,}|~{3,})\s*([\w#+.-]*)\s*$/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^\s*([-*_])(\s*\1){2,}\s*$/;
const LIST = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const QUOTE = /^\s*>\s?(.*)$/;
const TABLE_SEP = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;
const INLINE = new RegExp(
  [
    "`([^`\\n]+)`", // 1 code span
    "\\[([^\\[\\]\\n]+? § [^\\[\\]\\n]+?)\\](?!\\()", // 2 citation
    "\\[([^\\[\\]\\n]+)\\]\\(([^()\\s]+)\\)", // 3, 4 link
    "\\*\\*([^*\\n]+?)\\*\\*|(?<![\\w])__([^_\\n]+?)__(?![\\w])", // 5, 6 strong
    "\\*([^*\\s][^*\\n]*?)\\*|(?<![\\w])_([^_\\n]+?)_(?![\\w])", // 7, 8 emphasis
    "(https?:\\/\\/[^\\s<>()\\[\\]]*[^\\s<>()\\[\\].,;:!?'\"])", // 9 bare URL
  ].join("|"),
  "g",
);

function el(tag, className) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}

/** The nodes of `text` rendered as Markdown. `onCitation(ref, claim)` may build the
 *  element of a citation (default: a plain <cite>). */
export function renderMarkdown(text, options = {}) {
  const out = document.createDocumentFragment();
  renderBlocks(String(text).replace(/\r\n?/g, "\n").split("\n"), out, options);
  return out;
}

function startsBlock(lines, i) {
  const line = lines[i];
  return (
    FENCE.test(line) || HEADING.test(line) || RULE.test(line) || LIST.test(line) ||
    QUOTE.test(line) || isTable(lines, i)
  );
}

function isTable(lines, i) {
  return lines[i].includes("|") && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]) &&
    lines[i + 1].includes("-");
}

function renderBlocks(lines, out, options) {
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    let match;
    if (!line.trim()) {
      i += 1;
    } else if ((match = line.match(FENCE))) {
      i = fence(lines, i + 1, match, out);
    } else if ((match = line.match(HEADING))) {
      const heading = el(`h${Math.min(6, match[1].length + 2)}`);
      inline(heading, match[2], options, {});
      out.append(heading);
      i += 1;
    } else if (RULE.test(line)) {
      out.append(el("hr"));
      i += 1;
    } else if (isTable(lines, i)) {
      i = table(lines, i, out, options);
    } else if (QUOTE.test(line)) {
      const quoted = [];
      while (i < lines.length && QUOTE.test(lines[i])) quoted.push(lines[i++].match(QUOTE)[1]);
      const quote = el("blockquote");
      renderBlocks(quoted, quote, options);
      out.append(quote);
    } else if (LIST.test(line)) {
      i = list(lines, i, out, options);
    } else {
      const paragraph = el("p");
      const context = {};
      let first = true;
      while (i < lines.length && lines[i].trim() && (first || !startsBlock(lines, i))) {
        if (!first) paragraph.append(el("br"));
        inline(paragraph, lines[i].trim(), options, context);
        first = false;
        i += 1;
      }
      out.append(paragraph);
    }
  }
}

function fence(lines, i, match, out) {
  const body = [];
  const close = new RegExp(`^\\s*${match[1][0] === "`" ? "`" : "~"}{${match[1].length},}\\s*$`);
  while (i < lines.length && !close.test(lines[i])) body.push(lines[i++]);
  const pre = el("pre");
  const code = el("code");
  if (match[2]) code.dataset.lang = match[2];
  code.textContent = body.join("\n");
  pre.append(code);
  out.append(pre);
  return i + 1;
}

function cells(line) {
  let text = line.trim();
  if (text.startsWith("|")) text = text.slice(1);
  if (text.endsWith("|") && !text.endsWith("\\|")) text = text.slice(0, -1);
  return text.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, "|"));
}

function table(lines, i, out, options) {
  const head = cells(lines[i]);
  const aligns = cells(lines[i + 1]).map((sep) =>
    sep.startsWith(":") && sep.endsWith(":") ? "center" : sep.endsWith(":") ? "right" : "",
  );
  const wrap = el("div", "table-wrap");
  const node = el("table");
  const row = (values, tag) => {
    const tr = el("tr");
    head.forEach((_, n) => {
      const cell = el(tag);
      if (aligns[n]) cell.style.textAlign = aligns[n];
      inline(cell, values[n] ?? "", options, {});
      tr.append(cell);
    });
    return tr;
  };
  const thead = el("thead");
  thead.append(row(head, "th"));
  const tbody = el("tbody");
  i += 2;
  while (i < lines.length && lines[i].includes("|") && lines[i].trim()) {
    tbody.append(row(cells(lines[i]), "td"));
    i += 1;
  }
  node.append(thead, tbody);
  wrap.append(node);
  out.append(wrap);
  return i;
}

function list(lines, i, out, options) {
  const first = lines[i].match(LIST);
  const indent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const node = el(ordered ? "ol" : "ul");
  if (ordered && parseInt(first[2], 10) !== 1) node.start = parseInt(first[2], 10);
  while (i < lines.length) {
    const match = lines[i].match(LIST);
    if (!match) {
      const last = node.lastElementChild;
      if (!lines[i].trim() || !/^\s+/.test(lines[i]) || !last) break;
      last.append(" ");
      inline(last, lines[i].trim(), options, {});
      i += 1;
    } else if (match[1].length > indent && node.lastElementChild) {
      i = list(lines, i, node.lastElementChild, options);
    } else if (match[1].length < indent || /\d/.test(match[2]) !== ordered) {
      break;
    } else {
      const item = el("li");
      inline(item, match[3], options, {});
      node.append(item);
      i += 1;
    }
  }
  out.append(node);
  return i;
}

/** Inline Markdown of `text` appended to `parent`. `context.claim` collects the plain
 *  text since the last citation: the claim that the next citation supports. */
function inline(parent, text, options, context) {
  context.claim = context.claim ?? "";
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    plain(parent, text.slice(last, match.index), context);
    last = match.index + match[0].length;
    if (match[1] !== undefined) {
      const code = el("code");
      code.textContent = match[1];
      parent.append(code);
      context.claim += match[1];
    } else if (match[2] !== undefined) {
      parent.append(citation(match[2], context.claim.trim(), options));
      context.claim = "";
    } else if (match[3] !== undefined) {
      parent.append(link(match[3], match[4], options, context));
    } else if (match[5] !== undefined || match[6] !== undefined) {
      const strong = el("strong");
      inline(strong, match[5] ?? match[6], options, context);
      parent.append(strong);
    } else if (match[7] !== undefined || match[8] !== undefined) {
      const em = el("em");
      inline(em, match[7] ?? match[8], options, context);
      parent.append(em);
    } else {
      parent.append(link(match[9], match[9], options, context));
    }
  }
  plain(parent, text.slice(last), context);
}

function plain(parent, text, context) {
  if (!text) return;
  parent.append(document.createTextNode(text));
  context.claim += text;
}

function link(label, url, options, context) {
  if (!SAFE_URL.test(url)) {
    const span = el("span");
    span.textContent = `[${label}](${url})`;
    context.claim += span.textContent;
    return span;
  }
  const anchor = el("a");
  anchor.href = url;
  anchor.target = "_blank";
  anchor.rel = "noopener noreferrer";
  inline(anchor, label, options, context);
  return anchor;
}

function citation(ref, claim, options) {
  if (options.onCitation) return options.onCitation(ref, claim);
  const cite = el("cite");
  cite.textContent = `[${ref}]`;
  return cite;
}
