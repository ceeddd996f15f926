// The newssearch search page: plain JavaScript, no framework, no build step.
//
// Data flow: URL query string → state → GET /search (or /articles/{id}) → DOM.
// Every choice is written to the URL (history.pushState), so a search can be bookmarked and shared and the
// back button works; popstate re-renders from the URL.
// Safety: text from the API is set with textContent. The only markup taken from the API is the `<mark>`
// highlighting in a hit's `title` and `snippet`, and even that goes through `setMarkedHTML`, which keeps text
// and <mark> elements and nothing else.
'use strict';

(() => {
  const PAGE_SIZE = 10;
  const MAX_RESULT_WINDOW = 1000; // the API refuses page × size beyond this
  const SORTS = ['relevance', 'newest', 'oldest'];
  const LOADING_DELAY_MS = 150; // show "Đang tìm…" only when a query is noticeably slow
  // Category labels come from the API (each facet value's `label`), learnt from every answer.
  const categoryLabels = new Map();
  // How the last answer read each typed place (`place_filters`): its label for chips, its values for facet toggles.
  let placeReads = [];
  const UNITS = ['all', 'pre2025', 'post2025'];
  // Facet groups in display order. `param` is the URL/API parameter a value toggles; date groups set from/to.
  const FACETS = [
    { key: 'place', title: 'Tỉnh, thành phố', param: 'place', limit: 8 },
    { key: 'district', title: 'Quận, huyện', param: 'place', limit: 5 },
    { key: 'year', title: 'Năm', date: 'year', limit: 6 },
    { key: 'month', title: 'Tháng', date: 'month', limit: 6 },
    { key: 'category', title: 'Chuyên mục', param: 'category', limit: 12 },
    { key: 'author', title: 'Tác giả', param: 'author', limit: 6 },
    { key: 'source', title: 'Nguồn (báo)', param: 'source', limit: 6 },
  ];
  // The list filters a URL can carry, each a repeatable parameter of /search.
  const LIST_FILTERS = ['place', 'category', 'author', 'source'];
  const ERROR_TITLES = {
    400: 'Yêu cầu tìm kiếm không hợp lệ.',
    404: 'Không tìm thấy bài viết.',
    422: 'Tham số tìm kiếm không hợp lệ.',
    503: 'Chỉ mục chưa sẵn sàng, vui lòng thử lại sau ít phút.',
  };

  const numberFormat = new Intl.NumberFormat('vi-VN');
  const secondsFormat = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 2 });
  const $ = (id) => document.getElementById(id);
  const el = {
    form: $('search-form'),
    q: $('q'),
    filters: $('filters'),
    dateForm: $('date-form'),
    from: $('from'),
    to: $('to'),
    dateClear: $('date-clear'),
    dateError: $('date-error'),
    facets: $('facets'),
    results: $('results'),
    summary: $('summary'),
    loading: $('loading'),
    sort: $('sort'),
    chips: $('chips'),
    suggestion: $('suggestion'),
    apart: $('apart'),
    notice: $('notice'),
    placeNotes: $('place-notes'),
    error: $('error'),
    empty: $('empty'),
    hits: $('hits'),
    pager: $('pager'),
    article: $('article'),
    tools: $('tools'),
    exportCsv: $('export-csv'),
    exportJsonl: $('export-jsonl'),
    feedLink: $('feed-link'),
    feedAlternate: $('feed-alternate'),
    saveSearch: $('save-search'),
    saveForm: $('save-form'),
    saveName: $('save-name'),
    saveCancel: $('save-cancel'),
    saved: $('saved'),
    savedList: $('saved-list'),
    suggestions: $('q-suggestions'),
    dateChart: $('date-chart'),
    dateBars: $('date-bars'),
  };

  // ---------------------------------------------------------------- state <-> URL

  function readState(search = window.location.search) {
    const params = new URLSearchParams(search);
    const page = Number.parseInt(params.get('page') || '1', 10);
    const sort = params.get('sort') || '';
    return {
      q: (params.get('q') || '').trim(),
      from: params.get('from') || '',
      to: params.get('to') || '',
      place: params.getAll('place').filter(Boolean),
      category: params.getAll('category').filter(Boolean),
      author: params.getAll('author').filter(Boolean),
      source: params.getAll('source').filter(Boolean),
      units: UNITS.includes(params.get('units')) ? params.get('units') : '',
      sort: SORTS.includes(sort) ? sort : '',
      page: Number.isFinite(page) && page > 0 ? page : 1,
      article: params.get('article') || '',
      apart: params.get('apart') === 'true',
    };
  }

  /** Relevance ranks nothing when there is no query: then the newest articles come first. */
  function defaultSort(state) {
    return state.q ? 'relevance' : 'newest';
  }

  function toParams(state, forApi = false) {
    const params = new URLSearchParams();
    if (state.q || forApi) params.set('q', state.q);
    if (state.from) params.set('from', state.from);
    if (state.to) params.set('to', state.to);
    for (const value of state.place) params.append('place', value);
    for (const value of state.category) params.append('category', value);
    for (const value of state.author) params.append('author', value);
    for (const value of state.source) params.append('source', value);
    if (state.units && state.units !== 'all' && state.place.length) params.set('units', state.units);
    if (forApi) params.set('sort', state.sort || defaultSort(state));
    else if (state.sort) params.set('sort', state.sort);
    if (state.apart) params.set('apart', 'true');
    if (state.page > 1) params.set('page', String(state.page));
    if (forApi) params.set('size', String(PAGE_SIZE));
    else if (state.article) params.set('article', state.article);
    return params;
  }

  /** The search as /export and /feed.atom take it: the query, filters and sort, without paging. */
  function wholeResultParams(state) {
    const params = toParams(state, true);
    params.delete('page');
    params.delete('size');
    return params;
  }

  function hrefFor(state) {
    const query = toParams(state).toString();
    return query ? `?${query}` : window.location.pathname;
  }

  const NO_FILTERS = { from: '', to: '', place: [], category: [], author: [], source: [] };

  /** A new search state: any change of query or filter goes back to page 1 and leaves the article view. */
  function withChanges(state, changes) {
    return { ...state, page: 1, article: '', ...changes };
  }

  let current = readState();

  function navigate(next, { focusKey = '' } = {}) {
    const href = hrefFor(next);
    const same = href === hrefFor(current);
    history[same ? 'replaceState' : 'pushState'](null, '', href);
    render(next, { focusKey, fromNavigation: !same });
  }

  // ---------------------------------------------------------------- formatting

  function formatNumber(n) {
    return numberFormat.format(n);
  }

  /** "2022-01-06" → "06/01/2022"; "2022-01" → "01/2022"; anything else unchanged. */
  function formatDate(value) {
    if (!value) return '';
    let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    if (m) return `${m[3]}/${m[2]}/${m[1]}`;
    m = /^(\d{4})-(\d{2})$/.exec(value);
    if (m) return `${m[2]}/${m[1]}`;
    return value;
  }

  function categoryLabel(value) {
    return categoryLabels.get(value) || value;
  }

  function lastDayOfMonth(yearMonth) {
    const [year, month] = yearMonth.split('-').map(Number);
    const day = new Date(Date.UTC(year, month, 0)).getUTCDate();
    return `${yearMonth}-${String(day).padStart(2, '0')}`;
  }

  function isRealDate(year, month, day) {
    const date = new Date(Date.UTC(year, month - 1, day));
    return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  }

  const pad = (n) => String(n).padStart(2, '0');

  /**
   * A typed date bound → the API's form, or null when it is not a date. Vietnamese order: "6/1/2022" (a day),
   * "01/2022" (a month), "2022" (a year: January as a start, December as an end); ISO "2022-01-06" too.
   */
  function parseDateField(text, isEnd) {
    const value = text.trim();
    if (!value) return '';
    let m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(value) || /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    if (m) {
      const [day, month, year] = m[1].length === 4 ? [+m[3], +m[2], +m[1]] : [+m[1], +m[2], +m[3]];
      return isRealDate(year, month, day) ? `${year}-${pad(month)}-${pad(day)}` : null;
    }
    m = /^(\d{1,2})[/.-](\d{4})$/.exec(value) || /^(\d{4})-(\d{2})$/.exec(value);
    if (m) {
      const [month, year] = m[1].length === 4 ? [+m[2], +m[1]] : [+m[1], +m[2]];
      return month >= 1 && month <= 12 ? `${year}-${pad(month)}` : null;
    }
    m = /^(\d{4})$/.exec(value);
    if (m) return isEnd ? `${m[1]}-12` : `${m[1]}-01`;
    return null;
  }

  /** The first or last day a bound covers ("2021-04" as a start is 2021-04-01, as an end 2021-04-30). */
  function boundDay(value, isEnd) {
    if (/^\d{4}-\d{2}$/.test(value)) return isEnd ? lastDayOfMonth(value) : `${value}-01`;
    return value;
  }

  function dateRangeLabel(from, to) {
    if (from && to && from === to) return formatDate(from);
    if (from && to) return `${formatDate(from)} – ${formatDate(to)}`;
    if (from) return `từ ${formatDate(from)}`;
    return `đến ${formatDate(to)}`;
  }

  /** Only http(s) links from the data become hrefs (never javascript: or data:). */
  function safeExternalUrl(value) {
    if (!value) return null;
    try {
      const url = new URL(value, window.location.href);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch {
      return null;
    }
  }

  function articlePath(id) {
    return `articles/${id.split('/').map(encodeURIComponent).join('/')}`;
  }

  // ---------------------------------------------------------------- DOM helpers

  function h(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'class') node.className = value;
      else if (name === 'text') node.textContent = value;
      else if (name === 'dataset') Object.assign(node.dataset, value);
      else node.setAttribute(name, value === true ? '' : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }

  // The state the links on screen were built from (see `rebase`).
  let linkBase = current;

  /** An in-page link: a real href (opens in a new tab, can be copied), handled by `navigate` on a plain click. */
  function navLink(state, attrs, ...children) {
    const link = h('a', { ...attrs, href: hrefFor(state), 'data-nav': '' }, ...children);
    link.navBase = linkBase;
    return link;
  }

  /**
   * A link's change applied to the state now. Links are built from the last results; if the state moved on since
   * (sort changed, results still loading) a click keeps that move: it adds or removes only what the link does.
   */
  function rebase(target, base, now) {
    if (!base || base === now) return target;
    const next = { ...now };
    let searchChanged = false;
    for (const key of Object.keys(target)) {
      if (key === 'page') continue;
      if (Array.isArray(target[key])) {
        const added = target[key].filter((v) => !base[key].includes(v));
        const removed = base[key].filter((v) => !target[key].includes(v));
        if (added.length || removed.length) {
          next[key] = [...now[key].filter((v) => !removed.includes(v)), ...added.filter((v) => !now[key].includes(v))];
          searchChanged = searchChanged || key !== 'article';
        }
      } else if (target[key] !== base[key]) {
        next[key] = target[key];
        searchChanged = searchChanged || key !== 'article';
      }
    }
    if (searchChanged || target.page !== base.page) next.page = target.page;
    return next;
  }

  /**
   * Fill `target` from the API's highlighted HTML (escaped text with <mark>). The string is parsed by DOMParser,
   * which runs no scripts and loads nothing, then rebuilt from text nodes and <mark> elements only.
   */
  function setMarkedHTML(target, html) {
    const parsed = new DOMParser().parseFromString(`<body>${html || ''}</body>`, 'text/html');
    const copy = (from, to) => {
      for (const node of from.childNodes) {
        if (node.nodeType === Node.TEXT_NODE) to.append(node.textContent);
        else if (node.nodeType === Node.ELEMENT_NODE && node.localName === 'mark') copy(node, to.appendChild(h('mark')));
        else if (node.nodeType === Node.ELEMENT_NODE) to.append(node.textContent);
      }
    };
    target.replaceChildren();
    copy(parsed.body, target);
  }

  function show(node, visible) {
    node.hidden = !visible;
  }

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, detail, body) {
      super(detail || `HTTP ${status}`);
      this.status = status;
      this.detail = detail;
      // An unknown place: the closest names (`suggestions`) and the value they would replace (`place`).
      this.suggestions = (body && Array.isArray(body.suggestions) && body.suggestions) || [];
      this.place = (body && typeof body.place === 'string' && body.place) || '';
    }
  }

  /** FastAPI's `detail`: a string (400, 404, 503) or a list of validation errors (422). */
  function detailText(detail) {
    if (typeof detail === 'string') return detail;
    if (Array.isArray(detail)) {
      return detail
        .map((item) => {
          const where = Array.isArray(item.loc) ? item.loc.filter((part) => part !== 'query').join('.') : '';
          return where ? `${where}: ${item.msg}` : String(item.msg || '');
        })
        .join('; ');
    }
    return detail ? JSON.stringify(detail) : '';
  }

  async function getJSON(path, signal) {
    const response = await fetch(path, { signal, headers: { Accept: 'application/json' } });
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (!response.ok) throw new ApiError(response.status, detailText(body && body.detail), body);
    return body;
  }

  function errorContent(err) {
    if (err instanceof ApiError) {
      const title = ERROR_TITLES[err.status] || `Máy chủ gặp lỗi (mã ${err.status}).`;
      return { title, detail: err.detail };
    }
    return { title: 'Không kết nối được với máy chủ.', detail: 'Kiểm tra mạng rồi thử lại.' };
  }

  // ---------------------------------------------------------------- search view

  let searchController = null;
  let searchSeq = 0;
  let loadingTimer = 0;
  let lastSearch = { key: '', data: null }; // back from an article re-renders the list without a new request
  const expandedFacets = new Set();

  function setLoading(on) {
    window.clearTimeout(loadingTimer);
    el.results.setAttribute('aria-busy', on ? 'true' : 'false');
    el.results.classList.toggle('is-loading', on);
    if (on) loadingTimer = window.setTimeout(() => show(el.loading, true), LOADING_DELAY_MS);
    else show(el.loading, false);
  }

  async function runSearch(state, focusKey) {
    const key = `search?${toParams(state, true)}`;
    if (searchController) searchController.abort();
    if (lastSearch.key === key && lastSearch.data) {
      renderResults(state, lastSearch.data, focusKey);
      return;
    }
    searchController = new AbortController();
    const seq = ++searchSeq;
    setLoading(true);
    try {
      const data = await getJSON(key, searchController.signal);
      if (seq !== searchSeq) return;
      lastSearch = { key, data };
      renderResults(state, data, focusKey);
    } catch (err) {
      if (err.name === 'AbortError' || seq !== searchSeq) return;
      renderError(state, err);
    } finally {
      if (seq === searchSeq) setLoading(false);
    }
  }

  function clearResultAreas() {
    for (const node of [el.suggestion, el.apart, el.notice, el.placeNotes, el.error, el.empty]) {
      node.replaceChildren();
      show(node, false);
    }
    el.hits.replaceChildren();
    el.pager.replaceChildren();
    show(el.tools, false);
    show(el.dateChart, false);
  }

  function renderError(state, err) {
    linkBase = state;
    clearResultAreas();
    el.summary.textContent = '';
    el.facets.replaceChildren(); // counts from an earlier search would mislead
    const { title, detail } = errorContent(err);
    const retry = h('button', { type: 'button', class: 'link-button', text: 'Thử lại' });
    retry.addEventListener('click', () => {
      lastSearch = { key: '', data: null };
      render(readState());
    });
    el.error.append(h('p', { class: 'error-title', text: title }));
    if (detail) el.error.append(h('p', { class: 'error-detail', text: detail }));
    if (err instanceof ApiError && err.place && err.suggestions.length) {
      const choices = h('p', { class: 'place-suggestions' }, `Không có nơi nào tên “${err.place}”. Có phải bạn muốn lọc theo: `);
      err.suggestions.forEach((name, index) => {
        const place = state.place.map((v) => (v === err.place ? name : v));
        if (index) choices.append(', ');
        choices.append(navLink(withChanges(state, { place }), { class: 'place-suggestion' }, name));
      });
      choices.append('?');
      el.error.append(choices);
    }
    el.error.append(retry);
    show(el.error, true);
    renderChips(state);
  }

  function hasFilters(state) {
    return Boolean(state.from || state.to || LIST_FILTERS.some((key) => state[key].length));
  }

  function renderResults(state, data, focusKey) {
    for (const facet of (data.facets && data.facets.category) || []) categoryLabels.set(facet.value, facet.label);
    placeReads = data.place_filters || [];
    linkBase = state;
    clearResultAreas();
    const size = data.size || PAGE_SIZE;
    const pages = Math.max(1, Math.ceil(data.total / size));

    renderSummary(state, data, pages);
    renderChips(state);
    renderSuggestion(state, data.suggestion);
    renderApart(state, data.apart);
    renderPlaceNotes(state, data.place_filters || []);
    if (data.match === 'partial' && data.total > 0) {
      el.notice.textContent = 'Không có bài nào chứa đủ mọi từ khóa; dưới đây là các bài khớp nhiều từ nhất.';
      show(el.notice, true);
    }
    if (data.timed_out) {
      el.notice.textContent = 'Tìm kiếm mất quá nhiều thời gian nên chỉ hiện các bài tìm được kịp; hãy thu hẹp truy vấn hoặc bộ lọc.';
      show(el.notice, true);
    }
    if (data.total === 0 || data.hits.length === 0) renderEmpty(state, data);
    for (const hit of data.hits) el.hits.append(hitItem(state, hit));
    el.hits.start = (data.page - 1) * size + 1;
    renderPager(state, data.page, pages, size);
    renderFacets(state, data.facets || {});
    renderTools(state, data);
    renderDateChart(state, (data.facets && data.facets.month) || []);
    restoreFocus(focusKey);
  }

  /**
   * The month counts of the result as a bar chart, oldest to newest; a bar is a link that sets the date range to
   * its month (again: back to no date range). Shown when the result spans two months or more, or a range is set
   * (the month counts obey the date range, as the year and month facets do).
   */
  function renderDateChart(state, months) {
    el.dateBars.replaceChildren();
    const bars = months.filter((m) => /^\d{4}-\d{2}$/.test(m.value)).sort((a, b) => (a.value < b.value ? -1 : 1));
    // Two months or more; or, with a date range chosen, its month(s), so the chosen bar shows and undoes it.
    const shown = bars.filter((m) => m.count > 0).length >= (state.from || state.to ? 1 : 2);
    show(el.dateChart, shown);
    if (!shown) return;
    const most = Math.max(...bars.map((m) => m.count), 1);
    for (const month of bars) {
      const selected = state.from === month.value && state.to === month.value;
      const label = `${formatDate(month.value)}: ${formatNumber(month.count)} bài`;
      const link = navLink(
        withChanges(state, selected ? { from: '', to: '' } : { from: month.value, to: month.value }),
        {
          class: selected ? 'date-bar selected' : 'date-bar',
          'aria-label': selected ? `${label} (đang lọc; bấm để bỏ)` : label,
          'aria-current': selected ? 'true' : null,
          title: label,
          dataset: { month: month.value, focusKey: `bar:${month.value}` },
        },
        h('span', { class: 'date-bar-fill', style: null }),
      );
      link.firstChild.style.height = `${Math.max(4, Math.round((month.count / most) * 100))}%`;
      el.dateBars.append(link);
    }
    const first = bars[0].value;
    const last = bars[bars.length - 1].value;
    el.dateBars.append(
      h('span', { class: 'date-axis', 'aria-hidden': 'true' }, h('span', { text: formatDate(first) }), h('span', { text: formatDate(last) })),
    );
  }

  /** Export links: the whole result (query, filters, sort) as a CSV or JSON Lines download. */
  function renderTools(state, data) {
    const params = wholeResultParams(state);
    for (const [link, format] of [[el.exportCsv, 'csv'], [el.exportJsonl, 'jsonl']]) {
      params.set('format', format);
      link.href = `export?${params}`;
      link.setAttribute('download', `tim-kiem.${format}`);
    }
    show(el.exportCsv, data.total > 0);
    show(el.exportJsonl, data.total > 0);
    const feed = feedHref(state);
    el.feedLink.href = feed;
    el.feedAlternate.href = feed;
    el.feedAlternate.title = state.q ? `Bài mới nhất cho “${state.q}”` : 'Bài mới nhất';
    show(el.tools, true);
    show(el.saveForm, false);
    el.saveSearch.setAttribute('aria-expanded', 'false');
  }

  /** The Atom feed of a search: its newest matches (the feed is always newest first, so no sort). */
  function feedHref(state) {
    const params = wholeResultParams(state);
    params.delete('sort');
    if (!params.get('q')) params.delete('q');
    const query = params.toString();
    return query ? `feed.atom?${query}` : 'feed.atom';
  }

  // ---------------------------------------------------------------- saved searches (localStorage, no account)

  const SAVED_KEY = 'newssearch.saved';
  const SAVED_MAX = 20;

  function loadSaved() {
    try {
      const items = JSON.parse(window.localStorage.getItem(SAVED_KEY) || '[]');
      return Array.isArray(items) ? items.filter((item) => item && typeof item.name === 'string' && typeof item.search === 'string') : [];
    } catch {
      return [];
    }
  }

  function storeSaved(items) {
    try {
      window.localStorage.setItem(SAVED_KEY, JSON.stringify(items.slice(0, SAVED_MAX)));
    } catch {
      // storage full or disabled: the list simply is not kept
    }
  }

  function renderSaved() {
    const items = loadSaved();
    el.savedList.replaceChildren();
    for (const item of items) {
      const state = readState(item.search);
      const remove = h('button', { type: 'button', class: 'link-button saved-remove', 'aria-label': `Xóa “${item.name}”`, text: 'Xóa' });
      remove.addEventListener('click', () => {
        storeSaved(loadSaved().filter((other) => other.name !== item.name));
        renderSaved();
        el.q.focus();
      });
      el.savedList.append(
        h(
          'li',
          { class: 'saved-item' },
          navLink(withChanges(state, {}), { class: 'saved-link', dataset: { focusKey: `saved:${item.name}` } }, item.name),
          ' ',
          h('a', { href: feedHref(state), class: 'saved-feed', type: 'application/atom+xml', title: `Nguồn tin Atom: ${item.name}` }, 'Atom'),
          ' ',
          remove,
        ),
      );
    }
    show(el.saved, items.length > 0);
  }

  function searchName(state) {
    const parts = [];
    if (state.q) parts.push(state.q);
    for (const key of LIST_FILTERS) parts.push(...state[key].map((value) => (key === 'category' ? categoryLabel(value) : key === 'place' ? placeLabel(value) : value)));
    if (state.from || state.to) parts.push(dateRangeLabel(state.from, state.to));
    return parts.join(' · ') || 'Bài mới nhất';
  }

  function renderSummary(state, data, pages) {
    const parts = [];
    if (data.total === 0) parts.push('Không có kết quả');
    else if (!state.q && !hasFilters(state)) parts.push(`${formatNumber(data.total)} bài trong kho`);
    else parts.push(`Tìm thấy ${formatNumber(data.total)} bài`);
    if (state.q) parts.push(`cho “${state.q}”`);
    let text = parts.join(' ');
    if (pages > 1) text += ` · trang ${formatNumber(data.page)}/${formatNumber(pages)}`;
    if (typeof data.took_ms === 'number') text += ` (${secondsFormat.format(data.took_ms / 1000)} giây)`;
    el.summary.textContent = text;
  }

  function renderSuggestion(state, suggestion) {
    if (typeof suggestion !== 'string' || !suggestion.trim() || suggestion.trim() === state.q) return;
    const link = navLink(withChanges(state, { q: suggestion.trim() }), { class: 'suggestion-link' }, suggestion);
    el.suggestion.append('Có phải bạn muốn tìm: ', link, '?');
    show(el.suggestion, true);
  }

  /** A name read as a unit: say how many more articles have its words apart, one click away. */
  function renderApart(state, apart) {
    if (!apart || state.apart) return;
    const link = navLink(withChanges(state, { apart: true }), { class: 'apart-link' }, `xem thêm ${formatNumber(apart)} bài`);
    el.apart.append(`Chỉ hiện các bài có “${state.q}” liền nhau; `, link, ' có các chữ này nhưng không đứng liền nhau.');
    show(el.apart, true);
  }

  /** The 2025 merger made visible: what a merged province's filter covers, and a choice of pre-2025 or 2025 units. */
  function renderPlaceNotes(state, reads) {
    const units = state.units || 'all';
    const noted = reads.filter((read) => read.kind === 'province' && (read.note || units !== 'all'));
    if (!noted.length) return;
    for (const read of noted) {
      const note = h('p', { class: 'place-note' });
      if (read.note) note.append(read.note);
      const parts = (read.parts || []).filter((part) => part.count > 0);
      if (parts.length) note.append(` (${parts.map((part) => `${part.label}: ${formatNumber(part.count)}`).join('; ')})`);
      el.placeNotes.append(note);
    }
    const choices = h('p', { class: 'place-units' }, 'Đơn vị hành chính: ');
    const options = [
      ['all', 'theo tên đã chọn'],
      ['pre2025', 'trước 2025'],
      ['post2025', 'sau 2025 (34 tỉnh)'],
    ];
    options.forEach(([value, label], index) => {
      if (index) choices.append(' · ');
      if (value === units) choices.append(h('strong', { 'aria-current': 'true', text: label }));
      else choices.append(navLink(withChanges(state, { units: value === 'all' ? '' : value }), { class: 'units-link', dataset: { units: value } }, label));
    });
    el.placeNotes.append(choices);
    show(el.placeNotes, true);
  }

  /** The typed place values a facet value came from (a click passes the value; a typed "sai gon" reads as one). */
  function typedPlacesFor(value) {
    return placeReads.filter((read) => read.values.includes(value) || read.label === value).map((read) => read.typed);
  }

  function placeLabel(typed) {
    const read = placeReads.find((item) => item.typed === typed);
    return read ? read.label : typed;
  }

  function renderEmpty(state, data) {
    if (data.total > 0) {
      el.empty.append(
        h('p', { text: 'Trang này không còn kết quả.' }),
        navLink({ ...state, page: 1 }, { text: 'Về trang đầu' }),
      );
    } else {
      el.empty.append(
        h('p', { class: 'empty-title', text: state.q ? `Không tìm thấy bài nào khớp với “${state.q}”.` : 'Không có bài nào.' }),
      );
      const tips = h('ul');
      tips.append(h('li', { text: 'Kiểm tra chính tả, hoặc gõ không dấu (vd: ha tinh).' }));
      tips.append(h('li', { text: 'Dùng ít từ hơn hoặc từ khóa chung hơn.' }));
      if (hasFilters(state)) {
        const clear = withChanges(state, NO_FILTERS);
        tips.append(h('li', {}, navLink(clear, { text: 'Bỏ tất cả bộ lọc' }), ' và tìm lại.'));
      }
      el.empty.append(tips);
    }
    show(el.empty, true);
  }

  function hitItem(state, hit) {
    const titleLink = navLink({ ...state, article: hit.id }, { class: 'hit-link', dataset: { focusKey: `hit:${hit.id}` } });
    setMarkedHTML(titleLink, hit.title);
    const snippet = h('p', { class: 'hit-snippet' });
    setMarkedHTML(snippet, hit.snippet);
    const external = safeExternalUrl(hit.url);
    return h(
      'li',
      { class: 'hit' },
      h('h3', { class: 'hit-title' }, titleLink),
      metaLine(hit),
      snippet,
      external
        ? h(
            'p',
            { class: 'hit-source' },
            h('a', { href: external, rel: 'noopener noreferrer', target: '_blank', class: 'source-link' }, `Bài gốc${hit.source ? ` trên ${hit.source}` : ''}`),
          )
        : null,
    );
  }

  /**
   * Date, category and the places the article is about (`about_*`; an index built before them has only the
   * mentioned ones). With `mentioned`, the article view also lists the other places it names ("Có nhắc đến").
   */
  function metaLine(item, { mentioned = false } = {}) {
    const parts = [];
    const all = item.places || {};
    const hasAbout = Array.isArray(all.about_provinces);
    if (item.date) parts.push(h('time', { datetime: item.date, class: 'date', text: formatDate(item.date) }));
    if (item.category) parts.push(h('span', { class: 'category', text: item.category_label || categoryLabel(item.category) }));
    if (item.source) parts.push(h('span', { class: 'source', title: 'Nguồn', text: item.source }));
    if (item.author) parts.push(h('span', { class: 'byline', title: 'Tác giả', text: item.author }));
    const places = (hasAbout ? all.about_provinces : all.provinces) || [];
    if (places.length) parts.push(h('span', { class: 'places', text: places.join(', ') }));
    const districts = (hasAbout ? all.about_districts : all.districts) || [];
    if (districts.length) parts.push(h('span', { class: 'districts', text: districts.join('; ') }));
    if (mentioned && hasAbout) {
      const about = new Set([...places, ...districts]);
      const others = [...(all.provinces || []), ...(all.districts || [])].filter((name) => !about.has(name));
      if (others.length) parts.push(h('span', { class: 'mentioned', text: `Có nhắc đến: ${others.join('; ')}` }));
    }
    const line = h('p', { class: 'meta' });
    parts.forEach((part, i) => {
      if (i) line.append(h('span', { class: 'sep', 'aria-hidden': 'true', text: ' · ' }));
      line.append(part);
    });
    return line;
  }

  function renderPager(state, page, pages, size) {
    const last = Math.min(pages, Math.floor(MAX_RESULT_WINDOW / size));
    if (last <= 1) return;
    const list = h('ul');
    const item = (target, label, key, attrs = {}) =>
      list.append(h('li', {}, navLink({ ...state, page: target }, { ...attrs, dataset: { focusKey: key } }, label)));
    if (page > 1) item(page - 1, '‹ Trước', 'pager:prev', { rel: 'prev', class: 'pager-prev' });
    const wanted = new Set([1, last, page - 2, page - 1, page, page + 1, page + 2].filter((p) => p >= 1 && p <= last));
    let previous = 0;
    for (const p of [...wanted].sort((a, b) => a - b)) {
      if (p - previous > 1) list.append(h('li', { class: 'gap', 'aria-hidden': 'true', text: '…' }));
      if (p === page) list.append(h('li', {}, h('span', { class: 'current', 'aria-current': 'page', text: formatNumber(p) })));
      else item(p, formatNumber(p), `pager:${p}`, { 'aria-label': `Trang ${formatNumber(p)}` });
      previous = p;
    }
    if (page < last) item(page + 1, 'Sau ›', 'pager:next', { rel: 'next', class: 'pager-next' });
    el.pager.append(list);
  }

  // ---------------------------------------------------------------- facets and active filters

  function dateFacetRange(kind, value) {
    return kind === 'year' ? { from: `${value}-01`, to: `${value}-12` } : { from: value, to: value };
  }

  function facetSelected(group, value, state) {
    if (group.date) {
      const range = dateFacetRange(group.date, value);
      return state.from === range.from && state.to === range.to;
    }
    return state[group.param].includes(value);
  }

  function toggledState(group, value, state, selected) {
    if (group.date) {
      return withChanges(state, selected ? { from: '', to: '' } : dateFacetRange(group.date, value));
    }
    const values = state[group.param];
    const typed = group.param === 'place' ? typedPlacesFor(value) : [];
    const next = selected ? values.filter((v) => v !== value && !typed.includes(v)) : [...values, value];
    return withChanges(state, { [group.param]: next });
  }

  function renderFacets(state, facets) {
    el.facets.replaceChildren();
    for (const group of FACETS) {
      const values = facets[group.key] || [];
      if (!values.length) continue;
      const headingId = `facet-${group.key}`;
      const list = h('ul', { class: 'facet-values' });
      const expanded = expandedFacets.has(group.key);
      values.forEach((facet, index) => {
        const selected = facet.selected || facetSelected(group, facet.value, state);
        const label = facet.label || facet.value;
        const link = navLink(
          toggledState(group, facet.value, state, selected),
          {
            class: selected ? 'facet-link selected' : 'facet-link',
            'aria-current': selected ? 'true' : null,
            title: selected ? `Bỏ lọc: ${label}` : `Lọc: ${label}`,
            dataset: { focusKey: `facet:${group.key}:${facet.value}`, facet: group.key, value: facet.value },
          },
          h('span', { class: 'facet-value', text: label }),
          h('span', { class: 'count', text: formatNumber(facet.count) }),
        );
        const li = h('li', {}, link);
        if (index >= group.limit && !expanded && !selected) li.hidden = true;
        list.append(li);
      });
      const section = h('section', { class: 'facet', 'aria-labelledby': headingId }, h('h2', { id: headingId, text: group.title }), list);
      const hiddenCount = list.querySelectorAll('li[hidden]').length;
      if (hiddenCount || expanded) {
        const more = h('button', {
          type: 'button',
          class: 'link-button facet-more',
          'aria-expanded': expanded ? 'true' : 'false',
          text: expanded ? 'Thu gọn' : `Xem thêm (${formatNumber(hiddenCount)})`,
          dataset: { focusKey: `more:${group.key}` },
        });
        more.addEventListener('click', () => {
          if (expanded) expandedFacets.delete(group.key);
          else expandedFacets.add(group.key);
          renderFacets(state, facets);
          restoreFocus(`more:${group.key}`);
        });
        section.append(more);
      }
      el.facets.append(section);
    }
    const active = LIST_FILTERS.reduce((n, key) => n + state[key].length, 0) + (state.from || state.to ? 1 : 0);
    el.filters.querySelector('summary').textContent = active ? `Bộ lọc (${formatNumber(active)} đang chọn)` : 'Bộ lọc';
  }

  function renderChips(state) {
    el.chips.replaceChildren();
    const chip = (label, next, key) =>
      el.chips.append(
        h(
          'li',
          {},
          navLink(next, { class: 'chip', title: `Bỏ lọc: ${label}`, dataset: { focusKey: key } }, h('span', { text: label }), h('span', { class: 'chip-x', 'aria-hidden': 'true', text: '×' }), h('span', { class: 'visually-hidden', text: ' (bỏ lọc)' })),
        ),
      );
    for (const value of state.place) chip(placeLabel(value), withChanges(state, { place: state.place.filter((v) => v !== value) }), `chip:place:${value}`);
    for (const value of state.category) {
      chip(categoryLabel(value), withChanges(state, { category: state.category.filter((v) => v !== value) }), `chip:category:${value}`);
    }
    for (const key of ['author', 'source']) {
      for (const value of state[key]) {
        const label = key === 'author' ? `Tác giả: ${value}` : `Nguồn: ${value}`;
        chip(label, withChanges(state, { [key]: state[key].filter((v) => v !== value) }), `chip:${key}:${value}`);
      }
    }
    if (state.from || state.to) chip(dateRangeLabel(state.from, state.to), withChanges(state, { from: '', to: '' }), 'chip:date');
    if (el.chips.children.length > 1) {
      el.chips.append(h('li', {}, navLink(withChanges(state, NO_FILTERS), { class: 'chip-clear', text: 'Bỏ tất cả' })));
    }
    show(el.chips, el.chips.children.length > 0);
  }

  function restoreFocus(focusKey) {
    if (!focusKey) return;
    const target = [...document.querySelectorAll('[data-focus-key]')].find((node) => node.dataset.focusKey === focusKey);
    if (target && !target.closest('[hidden]')) target.focus();
    else el.results.focus({ preventScroll: true });
  }

  // ---------------------------------------------------------------- article view

  let articleController = null;

  async function showArticle(state) {
    if (articleController) articleController.abort();
    articleController = new AbortController();
    const { signal } = articleController;
    linkBase = state;
    const back = navLink({ ...state, article: '' }, { class: 'back', text: '← Quay lại kết quả' });
    back.addEventListener('click', (event) => {
      if (cameFromResults && !event.metaKey && !event.ctrlKey && !event.shiftKey && event.button === 0) {
        event.preventDefault();
        event.stopPropagation();
        history.back();
      }
    });
    el.article.replaceChildren(back, h('p', { class: 'loading', text: 'Đang tải bài viết…' }));
    el.article.setAttribute('aria-busy', 'true');
    try {
      const path = state.q ? `${articlePath(state.article)}?q=${encodeURIComponent(state.q)}` : articlePath(state.article);
      const article = await getJSON(path, signal);
      renderArticle(state, article, back);
      loadRelated(state, signal);
      loadNeighbours(state, signal);
    } catch (err) {
      if (err.name === 'AbortError') return;
      const { title, detail } = errorContent(err);
      el.article.replaceChildren(back, h('div', { class: 'error', role: 'alert' }, h('p', { class: 'error-title', text: title }), detail ? h('p', { class: 'error-detail', text: detail }) : null));
    } finally {
      if (!signal.aborted) el.article.setAttribute('aria-busy', 'false');
    }
  }

  function renderArticle(state, article, back) {
    const body = h('div', { class: 'article-body' });
    const marked = typeof article.marked_body === 'string';
    for (const paragraph of String((marked ? article.marked_body : article.body) || '').split(/\n+/)) {
      if (!paragraph.trim()) continue;
      const p = h('p');
      if (marked) setMarkedHTML(p, paragraph.trim());
      else p.textContent = paragraph.trim();
      body.append(p);
    }
    const external = safeExternalUrl(article.url);
    const heading = h('h2', { id: 'article-title', tabindex: '-1' });
    if (typeof article.marked_title === 'string' && article.marked_title) setMarkedHTML(heading, article.marked_title);
    else heading.textContent = article.title || '(không có tiêu đề)';
    const children = [
      h('div', { class: 'article-top' }, back, h('nav', { id: 'result-nav', class: 'result-nav', 'aria-label': 'Chuyển giữa các kết quả' })),
      heading,
      metaLine(article, { mentioned: true }),
      articleTools(article, external),
      matchNav(heading, body),
      body,
      external
        ? h('p', { class: 'hit-source' }, h('a', { href: external, rel: 'noopener noreferrer', target: '_blank', class: 'source-link' }, `Đọc bài gốc${article.source ? ` trên ${article.source}` : ''}`))
        : null,
      h('section', { id: 'related', class: 'related', 'aria-labelledby': 'related-title', hidden: true }),
    ];
    // Only nodes: replaceChildren would write a null (an article without byline or URL) as the text "null".
    el.article.replaceChildren(...children.filter((child) => child instanceof Node));
    document.title = `${article.title} – Tìm kiếm tin tức`;
    heading.focus({ preventScroll: true });
  }

  /** "Title". Outlet, 06/01/2022. URL — what a newsroom pastes into a note or a story. */
  function citationOf(article, external) {
    const pageUrl = new URL(`?article=${encodeURIComponent(article.id)}`, window.location.href).href;
    const parts = [`“${article.title || article.id}”`];
    const where = [article.source, article.author, formatDate(article.date)].filter(Boolean).join(', ');
    if (where) parts.push(where);
    parts.push(external || pageUrl);
    return parts.join('. ');
  }

  function articleTools(article, external) {
    const citation = citationOf(article, external);
    const status = h('span', { class: 'copy-status', role: 'status' });
    const copy = h('button', { type: 'button', class: 'link-button copy-citation', text: 'Sao chép trích dẫn', dataset: { citation } });
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(citation);
        status.textContent = 'Đã sao chép.';
      } catch {
        status.textContent = `Không sao chép được; trích dẫn: ${citation}`;
      }
    });
    const print = h('button', { type: 'button', class: 'link-button print-article', text: 'In bài' });
    print.addEventListener('click', () => window.print());
    return h('p', { class: 'article-tools' }, copy, ' ', print, ' ', status);
  }

  /** "Từ khớp 2/15" with previous/next buttons over the marks of the title and body (none without marks). */
  function matchNav(heading, body) {
    const marks = [...heading.querySelectorAll('mark'), ...body.querySelectorAll('mark')];
    if (!marks.length) return null;
    let index = -1;
    const status = h('span', { class: 'match-status', 'aria-live': 'polite', text: `${formatNumber(marks.length)} chỗ khớp` });
    const go = (step) => {
      if (index >= 0) marks[index].classList.remove('current');
      index = (index + step + marks.length) % marks.length;
      const mark = marks[index];
      mark.classList.add('current');
      mark.scrollIntoView({ block: 'center' });
      status.textContent = `Chỗ khớp ${formatNumber(index + 1)}/${formatNumber(marks.length)}`;
    };
    const prev = h('button', { type: 'button', class: 'match-prev', text: '‹ Chỗ khớp trước' });
    const next = h('button', { type: 'button', class: 'match-next', text: 'Chỗ khớp sau ›' });
    prev.addEventListener('click', () => go(-1));
    next.addEventListener('click', () => go(1));
    return h('div', { class: 'match-nav', role: 'group', 'aria-label': 'Các chỗ khớp từ khóa' }, prev, ' ', next, ' ', status);
  }

  /** Previous and next result links in the article view, across page ends too (the result list as last searched). */
  async function loadNeighbours(state, signal) {
    const listState = { ...state, article: '' };
    const pageOf = async (page) => {
      const key = `search?${toParams({ ...listState, page }, true)}`;
      if (lastSearch.key === key && lastSearch.data) return lastSearch.data;
      return getJSON(key, signal);
    };
    let data;
    try {
      data = await pageOf(state.page);
    } catch {
      return;
    }
    const hits = (data && data.hits) || [];
    const index = hits.findIndex((hit) => hit.id === state.article);
    if (index < 0 || signal.aborted) return;
    const size = data.size || PAGE_SIZE;
    const pages = Math.min(Math.ceil(data.total / size), Math.floor(MAX_RESULT_WINDOW / size));
    let prev = index > 0 ? { hit: hits[index - 1], page: state.page } : null;
    let next = index < hits.length - 1 ? { hit: hits[index + 1], page: state.page } : null;
    try {
      if (!prev && state.page > 1) {
        const before = (await pageOf(state.page - 1)).hits || [];
        if (before.length) prev = { hit: before[before.length - 1], page: state.page - 1 };
      }
      if (!next && state.page < pages) {
        const after = (await pageOf(state.page + 1)).hits || [];
        if (after.length) next = { hit: after[0], page: state.page + 1 };
      }
    } catch {
      // the neighbours on other pages are a convenience: without them the links stop at the page's ends
    }
    const nav = $('result-nav');
    if (!nav || signal.aborted) return;
    const position = (state.page - 1) * size + index + 1;
    const link = (target, label, cls) =>
      target
        ? navLink({ ...state, page: target.page, article: target.hit.id }, { class: cls, title: plainText(target.hit.title), dataset: { focusKey: cls } }, label)
        : h('span', { class: `${cls} disabled`, 'aria-disabled': 'true', text: label });
    nav.replaceChildren(
      link(prev, '‹ Bài trước', 'result-prev'),
      h('span', { class: 'result-position', text: ` Kết quả ${formatNumber(position)}/${formatNumber(data.total)} ` }),
      link(next, 'Bài sau ›', 'result-next'),
    );
  }

  function plainText(markedHtml) {
    const node = h('span');
    setMarkedHTML(node, markedHtml);
    return node.textContent;
  }

  /** /articles/{id}/related is optional: any failure or an unexpected shape simply shows nothing. */
  async function loadRelated(state, signal) {
    let data;
    try {
      data = await getJSON(`${articlePath(state.article)}/related`, signal);
    } catch {
      return;
    }
    const hits = data && Array.isArray(data.hits) ? data.hits.filter((hit) => hit && hit.id && hit.id !== state.article) : [];
    const section = $('related');
    if (!hits.length || !section || signal.aborted) return;
    const list = h('ul', { class: 'related-list' });
    for (const hit of hits) {
      const link = navLink({ ...state, article: hit.id }, { class: 'hit-link' });
      setMarkedHTML(link, hit.title);
      list.append(h('li', {}, link, metaLine(hit)));
    }
    section.replaceChildren(h('h3', { id: 'related-title', text: 'Bài liên quan' }), list);
    section.hidden = false;
  }

  // ---------------------------------------------------------------- render and events

  let cameFromResults = false;
  const narrowScreen = window.matchMedia('(max-width: 50rem)');

  function syncControls(state) {
    if (el.q.value.trim() !== state.q) el.q.value = state.q;
    el.from.value = formatDate(state.from);
    el.to.value = formatDate(state.to);
    el.from.removeAttribute('aria-invalid');
    el.to.removeAttribute('aria-invalid');
    el.dateError.hidden = true;
    el.sort.value = state.sort || defaultSort(state);
  }

  function render(state, { focusKey = '', fromNavigation = false } = {}) {
    const wasResults = !current.article;
    // Back from an article (Esc, the back link, the browser's Back): focus returns to that article's result.
    if (!state.article && current.article && !focusKey) focusKey = `hit:${current.article}`;
    current = state;
    syncControls(state);
    const articleView = Boolean(state.article);
    document.body.classList.toggle('view-article', articleView);
    show(el.results, !articleView);
    show(el.filters, !articleView);
    show(el.article, articleView);
    if (articleView) {
      cameFromResults = fromNavigation && wasResults;
      window.scrollTo(0, 0);
      showArticle(state);
      return;
    }
    if (articleController) articleController.abort();
    el.article.replaceChildren();
    document.title = state.q ? `“${state.q}” – Tìm kiếm tin tức` : 'Tìm kiếm tin tức';
    runSearch(state, focusKey);
  }

  function isPlainClick(event) {
    return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
  }

  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[data-nav]');
    if (!link || !isPlainClick(event)) return;
    event.preventDefault();
    const target = readState(new URL(link.href).search);
    navigate(rebase(target, link.navBase, current), { focusKey: link.dataset.focusKey || '' });
  });

  $('home').addEventListener('click', (event) => {
    if (!isPlainClick(event)) return;
    event.preventDefault();
    navigate(readState(''));
    el.q.focus();
  });

  // ---------------------------------------------------------------- suggestions while typing (ARIA combobox)

  const SUGGEST_DELAY_MS = 120;
  const SUGGESTION_KINDS = { place: 'địa danh', author: 'tác giả', name: 'tên riêng', word: 'từ thường gặp' };
  let suggestTimer = 0;
  let suggestController = null;
  let suggestionItems = [];
  let activeSuggestion = -1;

  function closeSuggestions() {
    window.clearTimeout(suggestTimer);
    if (suggestController) suggestController.abort();
    suggestionItems = [];
    activeSuggestion = -1;
    el.suggestions.replaceChildren();
    show(el.suggestions, false);
    el.q.setAttribute('aria-expanded', 'false');
    el.q.removeAttribute('aria-activedescendant');
  }

  function setActiveSuggestion(index) {
    activeSuggestion = index;
    [...el.suggestions.children].forEach((option, i) => option.setAttribute('aria-selected', i === index ? 'true' : 'false'));
    if (index >= 0) {
      const option = el.suggestions.children[index];
      el.q.setAttribute('aria-activedescendant', option.id);
      option.scrollIntoView({ block: 'nearest' });
    } else {
      el.q.removeAttribute('aria-activedescendant');
    }
  }

  function renderSuggestions(items) {
    suggestionItems = items;
    activeSuggestion = -1;
    el.suggestions.replaceChildren();
    items.forEach((item, index) => {
      const option = h(
        'li',
        { id: `q-option-${index}`, role: 'option', class: 'suggestion-option', 'aria-selected': 'false' },
        h('span', { class: 'suggestion-text', text: item.text }),
        h('span', { class: 'suggestion-kind', text: SUGGESTION_KINDS[item.kind] || '' }),
      );
      option.addEventListener('mousedown', (event) => event.preventDefault()); // keep focus in the box
      option.addEventListener('click', () => chooseSuggestion(index));
      el.suggestions.append(option);
    });
    const open = items.length > 0;
    show(el.suggestions, open);
    el.q.setAttribute('aria-expanded', open ? 'true' : 'false');
    el.q.removeAttribute('aria-activedescendant');
  }

  function chooseSuggestion(index) {
    const item = suggestionItems[index];
    if (!item) return;
    el.q.value = item.text;
    closeSuggestions();
    navigate(withChanges(current, { q: item.text, apart: false }));
  }

  async function fetchSuggestions() {
    const typed = el.q.value;
    if (!typed.trim()) {
      closeSuggestions();
      return;
    }
    if (suggestController) suggestController.abort();
    suggestController = new AbortController();
    try {
      const data = await getJSON(`suggest?${new URLSearchParams({ q: typed, size: '8' })}`, suggestController.signal);
      if (el.q.value !== typed || document.activeElement !== el.q) return;
      renderSuggestions((data && Array.isArray(data.suggestions) ? data.suggestions : []).filter((item) => item && item.text));
    } catch {
      // suggestions are a convenience: a failure just shows none
    }
  }

  el.q.addEventListener('input', () => {
    window.clearTimeout(suggestTimer);
    suggestTimer = window.setTimeout(fetchSuggestions, SUGGEST_DELAY_MS);
  });

  el.q.addEventListener('keydown', (event) => {
    const open = !el.suggestions.hidden && suggestionItems.length > 0;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (!open) {
        if (event.key === 'ArrowDown' && el.q.value.trim()) {
          event.preventDefault();
          fetchSuggestions();
        }
        return;
      }
      event.preventDefault();
      const count = suggestionItems.length;
      const step = event.key === 'ArrowDown' ? 1 : -1;
      const next = activeSuggestion < 0 ? (step > 0 ? 0 : count - 1) : (activeSuggestion + step + count) % count;
      setActiveSuggestion(next);
    } else if (event.key === 'Enter' && open && activeSuggestion >= 0) {
      event.preventDefault();
      chooseSuggestion(activeSuggestion);
    } else if (event.key === 'Escape' && open) {
      event.preventDefault();
      event.stopPropagation();
      closeSuggestions();
    }
  });

  el.q.addEventListener('blur', () => window.setTimeout(closeSuggestions, 0));

  el.form.addEventListener('submit', (event) => {
    event.preventDefault();
    closeSuggestions();
    navigate(withChanges(current, { q: el.q.value.trim(), apart: false }));
  });

  el.sort.addEventListener('change', () => {
    const sort = el.sort.value === defaultSort(current) ? '' : el.sort.value;
    navigate(withChanges(current, { sort }));
  });

  function dateFormError(message, field) {
    el.dateError.textContent = message;
    el.dateError.hidden = false;
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  }

  el.dateForm.addEventListener('submit', (event) => {
    event.preventDefault();
    el.from.removeAttribute('aria-invalid');
    el.to.removeAttribute('aria-invalid');
    const from = parseDateField(el.from.value, false);
    const to = parseDateField(el.to.value, true);
    const badFormat = 'Ngày không hợp lệ: gõ theo dạng 06/01/2022, 01/2022 hoặc 2022.';
    if (from === null) return dateFormError(badFormat, el.from);
    if (to === null) return dateFormError(badFormat, el.to);
    if (from && to && boundDay(from, false) > boundDay(to, true)) {
      return dateFormError('Ngày bắt đầu phải trước hoặc trùng ngày kết thúc.', el.from);
    }
    return navigate(withChanges(current, { from, to }), { focusKey: 'date-apply' });
  });

  // The calendar buttons open the browser's own date picker; the chosen day is written in Vietnamese order.
  for (const button of document.querySelectorAll('button.cal')) {
    const field = $(button.dataset.for);
    const native = $(`${button.dataset.for}-cal`);
    const isEnd = field === el.to;
    button.addEventListener('click', () => {
      const typed = parseDateField(field.value, isEnd);
      native.value = typed ? boundDay(typed, isEnd) : '';
      try {
        native.showPicker();
      } catch {
        field.focus(); // no picker in this browser: typing still works
      }
    });
    native.addEventListener('change', () => {
      if (native.value) field.value = formatDate(native.value);
      field.focus();
    });
  }

  el.saveSearch.addEventListener('click', () => {
    const opening = el.saveForm.hidden;
    show(el.saveForm, opening);
    el.saveSearch.setAttribute('aria-expanded', opening ? 'true' : 'false');
    if (opening) {
      el.saveName.value = searchName(current);
      el.saveName.focus();
      el.saveName.select();
    }
  });

  el.saveCancel.addEventListener('click', () => {
    show(el.saveForm, false);
    el.saveSearch.setAttribute('aria-expanded', 'false');
    el.saveSearch.focus();
  });

  el.saveForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = el.saveName.value.trim();
    if (!name) return;
    const search = toParams({ ...current, page: 1, article: '' }).toString();
    storeSaved([{ name, search }, ...loadSaved().filter((item) => item.name !== name)]);
    renderSaved();
    show(el.saveForm, false);
    el.saveSearch.setAttribute('aria-expanded', 'false');
    const saved = [...el.savedList.querySelectorAll('.saved-link')].find((link) => link.textContent === name);
    if (saved) saved.focus();
  });

  // ---------------------------------------------------------------- advanced search: writes the query language

  const advanced = {
    form: $('advanced-form'),
    words: $('adv-words'),
    phrase: $('adv-phrase'),
    exclude: $('adv-exclude'),
    title: $('adv-title'),
    place: $('adv-place'),
    author: $('adv-author'),
    from: $('adv-from'),
    to: $('adv-to'),
    query: $('adv-query'),
    error: $('adv-error'),
  };

  const unquoted = (text) => text.replace(/["“”]/g, ' ').replace(/\s+/g, ' ').trim();
  const fielded = (field, text) => (text.includes(' ') ? `${field}:"${text}"` : `${field}:${text}`);

  /** The form's fields as a query: words, "phrase", title:word…, place:"…", author:"…", -word… */
  function advancedQuery() {
    const parts = [];
    const words = advanced.words.value.trim();
    if (words) parts.push(words);
    const phrase = unquoted(advanced.phrase.value);
    if (phrase) parts.push(`"${phrase}"`);
    for (const word of unquoted(advanced.title.value).split(' ').filter(Boolean)) parts.push(`title:${word}`);
    const place = unquoted(advanced.place.value);
    if (place) parts.push(fielded('place', place));
    const author = unquoted(advanced.author.value);
    if (author) parts.push(`author:"${author}"`);
    for (const word of unquoted(advanced.exclude.value).split(' ').filter(Boolean)) parts.push(`-${word.replace(/^-+/, '')}`);
    return parts.join(' ');
  }

  advanced.form.addEventListener('input', () => {
    advanced.query.textContent = advancedQuery();
  });

  advanced.form.addEventListener('submit', (event) => {
    event.preventDefault();
    const from = parseDateField(advanced.from.value, false);
    const to = parseDateField(advanced.to.value, true);
    if (from === null || to === null) {
      advanced.error.textContent = 'Ngày không hợp lệ: gõ theo dạng 06/01/2022, 01/2022 hoặc 2022.';
      advanced.error.hidden = false;
      (from === null ? advanced.from : advanced.to).focus();
      return;
    }
    advanced.error.hidden = true;
    const q = advancedQuery();
    $('advanced').open = false;
    navigate(withChanges(current, { q, apart: false, ...(from || to ? { from, to } : {}) }));
    el.q.focus();
  });

  el.dateClear.addEventListener('click', () => navigate(withChanges(current, { from: '', to: '' })));

  document.addEventListener('keydown', (event) => {
    const typing = event.target.closest && event.target.closest('input, textarea, select, [contenteditable="true"]');
    if (event.key === '/' && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      el.q.focus();
      el.q.select();
    } else if (event.key === 'Escape' && current.article && !typing) {
      event.preventDefault();
      if (cameFromResults) history.back();
      else navigate({ ...current, article: '' });
    }
  });

  window.addEventListener('popstate', () => render(readState()));

  // Facets beside the results on a wide screen; folded away under "Bộ lọc" on a phone.
  const fitFilters = () => {
    el.filters.open = !narrowScreen.matches;
  };
  narrowScreen.addEventListener('change', fitFilters);
  fitFilters();

  $('date-apply').dataset.focusKey = 'date-apply';
  renderSaved();
  render(current);
  if (!current.article && !current.q) el.q.focus();
})();
