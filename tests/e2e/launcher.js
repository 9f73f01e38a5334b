#!/usr/bin/env node
// Launches the telegram-test-api Bot API emulator on 127.0.0.1 and patches the places where
// it disagrees with the real Bot API (see tests/e2e/README.md). Prints `READY <port>` once listening.
//
// Usage: node launcher.js [--port N] [--no-patch=a,b|all] [--store-timeout SECONDS] [--exit-with-stdin]
// Env:   EMULATOR_PORT, EMULATOR_NO_PATCH=a,b, EMULATOR_STORE_TIMEOUT, EMULATOR_BOT_USERNAME
'use strict';

const TelegramServer = require('telegram-test-api');

const HOST = '127.0.0.1'; // loopback only, never configurable
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024; // Bot API upload limit for documents
const MAX_LONG_POLL_SECONDS = 30; // cap on getUpdates `timeout`
const MAX_CALL_LOG = 5000; // bounded record of Bot API calls for /_e2e/calls
const EMULATOR_METHODS = new Set(['getUpdates', 'sendMessage', 'editMessageText',
  'editMessageReplyMarkup', 'answerCallbackQuery', 'deleteMessage', 'getMe', 'setWebhook',
  'deleteWebhook']);
const PATCHES = ['getme_is_bot', 'date_seconds', 'chat_instance', 'edit_returns_message',
  'edit_drops_keyboard', 'edit_not_modified', 'answer_callback_true', 'delete_message_400',
  'setwebhook_true', 'stub_methods', 'media', 'multipart', 'unknown_method_400',
  'getupdates_offset', 'bot_message_shape', 'catch_rejections', 'webhook_delivery'];
const WEBHOOK_RETRY_MS = [100, 250, 500, 1000, 2000]; // waits between deliveries of one update
const WEBHOOK_GIVE_UP_MS = 180000; // Telegram keeps trying for hours; a test does not need that
const WEBHOOK_TIMEOUT_MS = 60000; // one POST; Telegram waits about as long for the answer

// ---- options ---------------------------------------------------------------------------------
function option(name, envName, fallback) {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === `--${name}`) return argv[i + 1];
    if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
  }
  return process.env[envName] !== undefined ? process.env[envName] : fallback;
}
const port = Number(option('port', 'EMULATOR_PORT', '0'));
const storeTimeout = Number(option('store-timeout', 'EMULATOR_STORE_TIMEOUT', '3600'));
const botUsername = option('bot-username', 'EMULATOR_BOT_USERNAME', 'TestNameBot');
const disabled = new Set(String(option('no-patch', 'EMULATOR_NO_PATCH', '')).split(',')
  .map((s) => s.trim()).filter(Boolean));
const unknownPatches = [...disabled].filter((p) => p !== 'all' && !PATCHES.includes(p));
if (unknownPatches.length) {
  process.stderr.write(`unknown patch(es): ${unknownPatches.join(', ')}; known: ${PATCHES.join(', ')}\n`);
  process.exit(2);
}
const on = (patch) => !disabled.has('all') && !disabled.has(patch);

// ---- helpers ---------------------------------------------------------------------------------
const server = new TelegramServer({ port, host: HOST, storeTimeout });
server.config.port = port; // normalizeConfig turns 0 into 9000; 0 means "pick a free port"
const BOT_USER = { id: 666, is_bot: true, first_name: 'Test First name', username: botUsername };
const chats = new Map(); // chat id -> chat object as users sent it
const commands = new Map(); // token -> BotCommand[] from setMyCommands
const calls = []; // {token, method, time, status}
let fileCounter = 0;

const seconds = (ms) => Math.floor(ms / 1000);
const ok = (res, result) => res.status(200).json({ ok: true, result });
const fail = (res, code, description) => res.status(code).json({ ok: false, error_code: code, description });
const parseJson = (v) => (typeof v === 'string' ? JSON.parse(v) : v);
const chatFor = (id) => chats.get(String(id)) || { id: Number(id), type: Number(id) < 0 ? 'group' : 'private', first_name: 'User' };
const inlineMarkup = (m) => (m && typeof m === 'object' && 'inline_keyboard' in m ? m : undefined);
const findBotMessage = (token, chatId, messageId) => server.storage.botMessages.find((u) => (
  u.botToken === token && String(u.messageId) === String(messageId)
  && String(u.message.chat_id) === String(chatId)));
const MESSAGE_FIELDS = ['text', 'caption', 'photo', 'document', 'voice', 'audio', 'video', 'sticker'];

// A stored bot message as the Bot API returns it (the shape PTB's Message.de_json expects).
function apiMessage(stored) {
  const msg = { message_id: stored.messageId, from: BOT_USER, chat: chatFor(stored.message.chat_id),
    date: seconds(stored.time) };
  for (const field of MESSAGE_FIELDS) {
    if (stored.message[field] !== undefined) msg[field] = stored.message[field];
  }
  if (inlineMarkup(stored.message.reply_markup)) msg.reply_markup = stored.message.reply_markup;
  if (stored.message.edit_date) msg.edit_date = stored.message.edit_date;
  return msg;
}

// Tiny multipart/form-data parser: fields become strings, files become {filename, size, content_type}.
function parseMultipart(buffer, boundary) {
  const fields = {};
  const files = {};
  const delimiter = Buffer.from(`--${boundary}`);
  let start = buffer.indexOf(delimiter);
  for (let guard = 0; start !== -1 && guard < 1000; guard += 1) {
    const next = buffer.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const part = buffer.subarray(start + delimiter.length + 2, next - 2); // skip CRLFs
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const body = part.subarray(headerEnd + 4);
      const name = (/name="([^"]*)"/i.exec(headers) || [])[1];
      const filename = (/filename="([^"]*)"/i.exec(headers) || [])[1];
      const type = (/content-type:\s*([^\r\n]+)/i.exec(headers) || [])[1];
      if (name !== undefined && filename !== undefined) {
        files[name] = { filename, size: body.length, content_type: type || 'application/octet-stream' };
      } else if (name !== undefined) {
        fields[name] = body.toString('utf8');
      }
    }
    start = next;
  }
  return { fields, files };
}

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) reject(Object.assign(new Error('Request Entity Too Large'), { http: 413 }));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// ---- patched Bot API methods: handler(req, res, token) --------------------------------------
const MEDIA = { sendPhoto: 'photo', sendDocument: 'document', sendVoice: 'voice', sendAudio: 'audio',
  sendVideo: 'video', sendSticker: 'sticker' };

function mediaObject(kind, upload, fileIdOrUrl) {
  fileCounter += 1;
  const fileId = fileIdOrUrl || `emulated-file-${fileCounter}`;
  const base = { file_id: fileId, file_unique_id: `u${fileCounter}`, file_size: upload ? upload.size : 0 };
  if (kind === 'photo') return [{ ...base, width: 640, height: 480 }];
  if (kind === 'document') return { ...base, file_name: upload ? upload.filename : undefined, mime_type: upload && upload.content_type };
  if (kind === 'voice' || kind === 'audio' || kind === 'video') return { ...base, duration: 1, mime_type: upload && upload.content_type, ...(kind === 'video' ? { width: 640, height: 480 } : {}) };
  return { ...base, width: 512, height: 512, is_animated: false, is_video: false, type: 'regular' }; // sticker
}

function editMessage(req, res, token, method) {
  const body = TelegramServer.normalizeMessage({ ...req.body });
  const stored = findBotMessage(token, body.chat_id, body.message_id);
  if (!stored) return fail(res, 400, 'Bad Request: message to edit not found');
  const update = method === 'editMessageText' ? { text: body.text, parse_mode: body.parse_mode } : {};
  if (body.reply_markup !== undefined) update.reply_markup = body.reply_markup;
  stored.message = { ...stored.message, ...update, edit_date: seconds(Date.now()) };
  server.emit(method === 'editMessageText' ? 'EditedMessageText' : 'EditedMessageReplyMarkup');
  return ok(res, apiMessage(stored));
}

const handlers = {
  // Disagreement: getMe lacks `is_bot`, so PTB's Application.initialize() fails.
  getMe: on('getme_is_bot') && ((req, res) => ok(res, { ...BOT_USER, can_join_groups: true,
    can_read_all_group_messages: false, supports_inline_queries: false })),

  // Disagreement: editMessageText/editMessageReplyMarkup answer `result: null`; PTB expects the
  // edited Message (AttributeError: 'NoneType' object has no attribute 'copy'). Also answers
  // 400 "message to edit not found" for a missing message, as Telegram does.
  editMessageText: on('edit_returns_message') && ((req, res, t) => editMessage(req, res, t, 'editMessageText')),
  editMessageReplyMarkup: on('edit_returns_message') && ((req, res, t) => editMessage(req, res, t, 'editMessageReplyMarkup')),

  // Disagreement: answerCallbackQuery answers `result: null`; Telegram answers true.
  answerCallbackQuery: on('answer_callback_true') && ((req, res) => ok(res, true)),

  // Disagreement: setWebhook answers `result: null`; Telegram answers true.
  setWebhook: on('setwebhook_true') && ((req, res, token) => {
    if (!req.body.url) return fail(res, 400, 'Bad Request: bad webhook: URL is empty');
    server.setWebhook(req.body, token);
    return ok(res, true);
  }),

  // Disagreement: deleteMessage of a missing message answers HTTP 200 with ok:false (PTB:
  // KeyError 'result'); a deleted one answers `result: null`. Telegram: HTTP 400, and true.
  deleteMessage: on('delete_message_400') && ((req, res) => {
    const chatId = Number(req.body.chat_id);
    const messageId = Number(req.body.message_id);
    if (!Number.isFinite(chatId) || !Number.isFinite(messageId)) return fail(res, 400, 'Bad Request: chat_id and message_id are required');
    if (!server.deleteMessage(chatId, messageId)) return fail(res, 400, 'Bad Request: message to delete not found');
    return ok(res, true);
  }),

  // Disagreement: getUpdates ignores offset, limit and timeout: it hands every unread update out
  // once (no redelivery) and returns at once (no long polling). Here an update stays pending until
  // a later call confirms it with offset > update_id, and the call waits up to `timeout` seconds.
  getUpdates: on('getupdates_offset') && (async (req, res, token) => {
    const offset = Number(req.body.offset || req.query.offset || 0);
    const limit = Math.min(Math.max(Number(req.body.limit || req.query.limit || 100), 1), 100);
    const timeout = Math.min(Math.max(Number(req.body.timeout || req.query.timeout || 0), 0), MAX_LONG_POLL_SECONDS);
    let closed = false;
    res.on('close', () => { closed = true; });
    const deadline = Date.now() + timeout * 1000;
    const mine = () => server.storage.userMessages.filter((u) => u.botToken === token && !u.confirmed);
    mine().filter((u) => offset > 0 && u.updateId < offset).forEach((u) => { u.confirmed = true; u.isRead = true; });
    let pending = mine();
    while (pending.length === 0 && !closed && Date.now() < deadline && server.started) {
      await new Promise((resolve) => { setTimeout(resolve, 20); });
      pending = mine();
    }
    if (closed) return undefined;
    const batch = (offset < 0 ? pending.slice(offset) : pending).slice(0, limit);
    batch.forEach((u) => { u.isRead = true; });
    return ok(res, batch.map((u) => TelegramServer.formatUpdate(u)));
  }),

  // Disagreement: methods the emulator lacks answer HTTP 500 (PTB: NetworkError). The bot's
  // housekeeping calls answer as Telegram does.
  ...(on('stub_methods') ? {
    setMyCommands: (req, res, token) => { commands.set(token, parseJson(req.body.commands) || []); ok(res, true); },
    deleteMyCommands: (req, res, token) => { commands.delete(token); ok(res, true); },
    getMyCommands: (req, res, token) => ok(res, commands.get(token) || []),
    setMyDescription: (req, res) => ok(res, true),
    setMyShortDescription: (req, res) => ok(res, true),
    sendChatAction: (req, res) => ok(res, true),
    getWebhookInfo: (req, res, token) => ok(res, { url: (server.webhooks[token] || {}).url || '',
      has_custom_certificate: false,
      pending_update_count: server.storage.userMessages.filter((u) => u.botToken === token && !u.confirmed).length }),
  } : {}),

  // Disagreement: sendPhoto/sendDocument/sendVoice/sendAudio/... answer HTTP 500. Here they store
  // a bot message the client API can read, with the media field (`photo` is a PhotoSize array)
  // and the caption. The file is an upload (multipart, recorded as filename/size) or a file_id/URL.
  ...(on('media') ? Object.fromEntries(Object.entries(MEDIA).map(([method, kind]) => [method, (req, res, token) => {
    const body = TelegramServer.normalizeMessage({ ...req.body });
    const upload = (req.files || {})[kind];
    const ref = typeof body[kind] === 'string' ? body[kind] : undefined;
    if (!upload && !ref) return fail(res, 400, `Bad Request: there is no ${kind} in the request`);
    if (body.chat_id === undefined) return fail(res, 400, 'Bad Request: chat_id is empty');
    const raw = { ...body, [kind]: mediaObject(kind, upload, ref), upload: upload || { file_id: ref } };
    server.addBotMessage(raw, token);
    return ok(res, apiMessage(server.storage.botMessages[server.storage.botMessages.length - 1]));
  }])) : {}),
};

// Steps run before any handler (patched or original).
function preEdit(req, res, token, method) {
  if (method !== 'editMessageText' && method !== 'editMessageReplyMarkup') return false;
  const body = TelegramServer.normalizeMessage({ ...req.body });
  const stored = findBotMessage(token, body.chat_id, body.message_id);
  if (!stored) return false;
  // Disagreement: Telegram refuses an edit that changes nothing with 400 "message is not
  // modified"; the emulator accepts it.
  if (on('edit_not_modified')) {
    const newMarkup = body.reply_markup !== undefined ? body.reply_markup
      : (on('edit_drops_keyboard') ? undefined : stored.message.reply_markup);
    const sameText = method !== 'editMessageText' || body.text === stored.message.text;
    if (sameText && JSON.stringify(inlineMarkup(newMarkup)) === JSON.stringify(inlineMarkup(stored.message.reply_markup))) {
      fail(res, 400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
      return true;
    }
  }
  // Disagreement: an edit without reply_markup keeps the old inline keyboard in the emulator;
  // Telegram removes it (and editMessageReplyMarkup without reply_markup is ignored there).
  if (on('edit_drops_keyboard') && body.reply_markup === undefined) delete stored.message.reply_markup;
  return false;
}

function record(token, method, res) {
  const entry = { token, method, time: Date.now(), status: null };
  calls.push(entry);
  if (calls.length > MAX_CALL_LOG) calls.splice(0, calls.length - MAX_CALL_LOG);
  res.on('finish', () => { entry.status = res.statusCode; });
}

async function patchLayer(req, res, next) {
  try {
    // Disagreement: the emulator has no multipart/form-data parser, and PTB uploads files that way.
    const type = req.headers['content-type'] || '';
    if (on('multipart') && type.startsWith('multipart/form-data')) {
      const boundary = (/boundary="?([^";]+)"?/i.exec(type) || [])[1];
      const parsed = parseMultipart(await readBody(req, MAX_UPLOAD_BYTES), boundary);
      req.body = { ...(req.body || {}), ...parsed.fields };
      req.files = parsed.files;
    }
    if (req.path === '/_e2e/webhook') return ok(res, webhookStats); // harness-only: deliveries
    if (req.path === '/_e2e/calls') { // harness-only: which Bot API methods a token called
      const token = (req.body && req.body.token) || req.query.token;
      return ok(res, calls.filter((c) => !token || c.token === token));
    }
    const match = /^\/bot([^/]+)\/([^/]+)$/.exec(req.path);
    if (!match) return next();
    const [, token, method] = match;
    record(token, method, res);
    if (preEdit(req, res, token, method)) return undefined;
    if (handlers[method]) return await handlers[method](req, res, token);
    // Disagreement: unknown methods answer HTTP 500 (PTB: NetworkError); answer a clear 400.
    if (on('unknown_method_400') && !EMULATOR_METHODS.has(method)) {
      return fail(res, 400, `Bad Request: method not supported by the emulator: ${method}`);
    }
    return next();
  } catch (error) {
    return fail(res, error.http || 500, `Emulator launcher error: ${error.message}`);
  }
}

// Insert patchLayer right after the emulator's requestLogger, before its routes.
const stack = server.webServer._router.stack;
server.webServer.use(patchLayer);
const layer = stack.pop();
stack.splice(stack.findIndex((l) => l.name === 'requestLogger') + 1, 0, layer);

// Disagreement: bot messages come back with `date` in milliseconds (PTB: year out of range),
// without `from`, and always in a 'private' chat. Return seconds, the bot as sender, the real chat.
const addBotMessage = server.addBotMessage.bind(server);
server.addBotMessage = (raw, token) => {
  const msg = addBotMessage(raw, token);
  if (on('date_seconds')) msg.date = seconds(msg.date);
  if (on('bot_message_shape')) Object.assign(msg, { from: BOT_USER, chat: chatFor(raw.chat_id) });
  return msg;
};
// Disagreement: with a webhook set, the emulator POSTs each update without the
// X-Telegram-Bot-Api-Secret-Token header, gives concurrent updates the same update_id (it counts
// only after the POST returns) and drops an update whose POST failed. Telegram sends the secret,
// numbers every update, and delivers again until the bot answers 2xx. Here the client API answers
// at once and the update is delivered in the background, again and again until it is accepted.
const webhookStats = { delivered: 0, retried: 0, dropped: 0, replied: 0 };
const DEFAULT_MAX_CONNECTIONS = 40; // Telegram's default for setWebhook's max_connections
const inFlight = new Map(); // token -> POSTs under way; Telegram opens at most max_connections
async function slot(token, webhook) {
  const limit = Number(webhook.max_connections) || DEFAULT_MAX_CONNECTIONS;
  while ((inFlight.get(token) || 0) >= limit) {
    await new Promise((resolve) => { setTimeout(resolve, 10); });
  }
  inFlight.set(token, (inFlight.get(token) || 0) + 1);
}
const release = (token) => inFlight.set(token, inFlight.get(token) - 1);
// Telegram also makes the one Bot API call a webhook's answer may carry as its JSON body
// ({"method": "sendMessage", ...}); the emulator ignored the body. Make that call here.
async function callFromResponse(token, answer) {
  let call;
  try { call = JSON.parse(Buffer.from(answer).toString('utf8')); } catch (error) { return; }
  if (!call || typeof call.method !== 'string') return;
  const { method, ...params } = call;
  webhookStats.replied += 1;
  await fetch(`${server.config.apiURL}/bot${token}/${method}`, { method: 'POST',
    headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
}
async function deliver(webhook, update) {
  const body = JSON.stringify(TelegramServer.formatUpdate(update));
  const headers = { 'content-type': 'application/json' };
  if (webhook.secret_token) headers['X-Telegram-Bot-Api-Secret-Token'] = webhook.secret_token;
  const started = Date.now();
  for (let attempt = 0; ; attempt += 1) {
    await slot(update.botToken, webhook);
    try {
      const res = await fetch(webhook.url, { method: 'POST', headers, body,
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS) });
      const answer = await res.arrayBuffer();
      if (res.status >= 200 && res.status < 300) {
        webhookStats.delivered += 1;
        await callFromResponse(update.botToken, answer);
        return;
      }
    } catch (error) { /* connection refused or reset: the bot is down, try again */
    } finally { release(update.botToken); }
    if (Date.now() - started > WEBHOOK_GIVE_UP_MS) {
      webhookStats.dropped += 1;
      process.stderr.write(`launcher: webhook gave up on update ${update.updateId}\n`);
      return;
    }
    webhookStats.retried += 1;
    await new Promise((resolve) => { setTimeout(resolve, WEBHOOK_RETRY_MS[Math.min(attempt, WEBHOOK_RETRY_MS.length - 1)]); });
  }
}

const addUserUpdate = server.addUserUpdate.bind(server);
server.addUserUpdate = (update) => {
  const chat = update.message ? update.message.chat : undefined;
  if (chat && chat.id !== undefined) chats.set(String(chat.id), chat);
  const webhook = server.webhooks[update.botToken];
  if (webhook && on('webhook_delivery')) {
    update.updateId = server.updateId; // numbered now, not after the POST
    server.updateId += 1;
    deliver(webhook, update);
    return Promise.resolve();
  }
  return addUserUpdate(update);
};

// Disagreement: callback_query lacks `chat_instance` (PTB: "Error while parsing updates", the
// press is lost). Derive a stable one from the chat of the message carrying the button.
const formatUpdate = TelegramServer.formatUpdate;
TelegramServer.formatUpdate = (update) => {
  const formatted = formatUpdate(update);
  const cq = formatted.callback_query;
  if (cq && on('chat_instance')) {
    const chatId = cq.message && cq.message.chat ? cq.message.chat.id : (cq.from || {}).id;
    cq.chat_instance = `ci${chatId}`;
  }
  return formatted;
};

// Disagreement: a failed webhook POST (and a client call with a bad body) leaves an unhandled
// promise rejection, which kills Node 20. Log it and keep serving.
if (on('catch_rejections')) {
  process.on('unhandledRejection', (error) => {
    process.stderr.write(`launcher: unhandled rejection: ${error && error.message}\n`);
  });
}

async function shutdown() {
  setTimeout(() => process.exit(0), 2000).unref();
  try { await server.stop(); } finally { process.exit(0); }
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
if (process.argv.includes('--exit-with-stdin')) { // the harness holds our stdin: exit when it goes
  process.stdin.on('end', shutdown);
  process.stdin.on('close', shutdown);
  process.stdin.resume();
}

server.start().then(() => {
  const actual = server.server.address().port;
  server.config.apiURL = `http://${HOST}:${actual}`;
  process.stdout.write(`READY ${actual}\n`);
  const off = PATCHES.filter((p) => !on(p));
  if (off.length) process.stderr.write(`launcher: patches off: ${off.join(', ')}\n`);
}, (error) => {
  process.stderr.write(`launcher: cannot listen on ${HOST}:${port}: ${error.message}\n`);
  process.exit(1);
});
