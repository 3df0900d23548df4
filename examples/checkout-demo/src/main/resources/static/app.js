// Small helpers shared by the demo pages.
async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = new Error(data && data.error ? data.error : response.statusText);
    error.field = data && data.field;
    throw error;
  }
  return data;
}

function el(id) { return document.getElementById(id); }

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (e) {
    const area = document.createElement('textarea');
    area.value = text; document.body.appendChild(area); area.select();
    document.execCommand('copy'); area.remove();
  }
  if (button) { const old = button.textContent; button.textContent = 'Copied'; setTimeout(() => button.textContent = old, 1200); }
}

function header(active) {
  return `<header><span class="logo">CoinsSend demo shop</span><nav>
    <a href="/" ${active === 'shop' ? 'style="font-weight:600"' : ''}>Shop</a>
    <a href="/orders.html" ${active === 'orders' ? 'style="font-weight:600"' : ''}>Orders</a>
    <a href="/wallet.html" ${active === 'wallet' ? 'style="font-weight:600"' : ''}>Customer wallet</a></nav></header>`;
}
