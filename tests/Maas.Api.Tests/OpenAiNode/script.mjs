// The official OpenAI Node.js SDK against a model's URL on the Maas gateway, as a newcomer uses it:
// the Maas API key as apiKey, the model URL plus /v1 as baseURL. Run by OpenAiNodeSdkTests with
// MODEL_URL, HOST_URL, API_KEY, MODEL, OWNED_BY and CREATED (the control plane's card) set; the
// free tier's 5 requests per window are spent exactly, then the sixth call must be refused.
// Exits 0 when every check passes; otherwise prints the failed check and exits 1.
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const { MODEL_URL, HOST_URL, API_KEY, MODEL, OWNED_BY, CREATED } = process.env;
for (const [name, value] of Object.entries({ MODEL_URL, HOST_URL, API_KEY, MODEL, OWNED_BY, CREATED })) {
  assert.ok(value, `${name} must be set`);
}

// No retries: a 429 is surfaced at once (the SDK would otherwise wait out Retry-After).
const client = new OpenAI({ apiKey: API_KEY, baseURL: `${MODEL_URL}/v1`, maxRetries: 0 });
const root = new OpenAI({ apiKey: API_KEY, baseURL: `${HOST_URL}/v1`, maxRetries: 0 });
const requestId = /^[0-9a-f]{32}$|^[0-9A-Za-z:-]+$/;

// 1 of 5: the model URL's list, which agrees with the control plane's card.
const page = await client.models.list();
const listed = page.data.find((m) => m.id === MODEL);
assert.ok(listed, `models.list() has ${MODEL}: ${JSON.stringify(page.data)}`);
assert.equal(listed.owned_by, OWNED_BY, 'models.list() owned_by is the catalog\'s');
assert.equal(listed.created, Number(CREATED), 'models.list() created is the catalog\'s');

// Not counted: retrieve under the model URL and at the root, both from the catalog.
for (const [where, sdk] of [['model URL', client], ['root', root]]) {
  const { data: model, response } = await sdk.models.retrieve(MODEL).withResponse();
  assert.deepEqual({ id: model.id, object: model.object, owned_by: model.owned_by, created: model.created },
    { id: MODEL, object: 'model', owned_by: OWNED_BY, created: Number(CREATED) }, `models.retrieve() at the ${where}`);
  assert.match(response.headers.get('x-request-id') ?? '', requestId, `x-request-id on retrieve at the ${where}`);
}

const missing = await client.models.retrieve('no/such-model').catch((e) => e);
assert.ok(missing instanceof OpenAI.NotFoundError, `retrieve of an unknown model is NotFoundError: ${missing}`);
assert.equal(missing.code, 'model_not_found');
assert.ok(missing.requestID, 'NotFoundError carries the request id');

// 2 of 5: chat, with the request id and OpenAI's rate-limit headers.
const { data: chat, response: chatResponse, request_id: chatId } = await client.chat.completions
  .create({ model: MODEL, messages: [{ role: 'user', content: 'Say something' }], max_tokens: 5 })
  .withResponse();
assert.ok(chat.choices[0].message.content.trim().length > 0, 'chat answered');
assert.ok(chat.usage.completion_tokens >= 1 && chat.usage.completion_tokens <= 5, `chat usage ${JSON.stringify(chat.usage)}`);
assert.match(chatId ?? '', requestId, 'chat request_id');
assert.equal(chatResponse.headers.get('x-ratelimit-limit-requests'), '5');
assert.equal(chatResponse.headers.get('x-ratelimit-remaining-requests'), '3');
assert.match(chatResponse.headers.get('x-ratelimit-reset-requests') ?? '', /^(\d+h)?(\d+m)?\d+s$/);
assert.ok(Number(chatResponse.headers.get('x-ratelimit-limit-tokens')) > 0, 'x-ratelimit-limit-tokens');
assert.match(chatResponse.headers.get('x-ratelimit-remaining-tokens') ?? '', /^\d+$/);
assert.match(chatResponse.headers.get('x-ratelimit-reset-tokens') ?? '', /^(\d+h)?(\d+m)?\d+s$/);

// 3 of 5: a stream, with its usage.
const stream = await client.chat.completions.create({
  model: MODEL, messages: [{ role: 'user', content: 'Stream something' }], max_tokens: 5, stream: true, stream_options: { include_usage: true },
});
let text = '';
let chunks = 0;
let streamUsage;
for await (const chunk of stream) {
  chunks++;
  text += chunk.choices[0]?.delta?.content ?? '';
  streamUsage = chunk.usage ?? streamUsage;
}
assert.ok(chunks > 1 && text.trim().length > 0, `stream gave ${chunks} chunks: '${text}'`);
assert.ok(streamUsage && streamUsage.completion_tokens >= 1, `stream usage ${JSON.stringify(streamUsage)}`);

// 4 of 5: a text completion.
const completion = await client.completions.create({ model: MODEL, prompt: 'Once upon a time', max_tokens: 4 });
assert.ok(completion.choices[0].text.trim().length > 0, 'completion answered');
assert.equal(completion.object, 'text_completion');

// 5 of 5: embeddings (the SDK asks for base64 and decodes it), the same input giving the same vector.
const embeddings = await client.embeddings.create({ model: MODEL, input: ['hello world', 'other text', 'hello world'] });
assert.equal(embeddings.data.length, 3);
const [a, b, c] = embeddings.data.map((d) => d.embedding);
assert.ok(Array.isArray(a) && a.length > 0 && a.every(Number.isFinite), 'embedding is an array of numbers');
assert.deepEqual(a, c, 'the same input, the same vector');
assert.notDeepEqual(a, b, 'other input, other vector');
assert.equal(embeddings.usage.prompt_tokens, 6);
assert.equal(embeddings.usage.total_tokens, 6);

// 6th: refused, as RateLimitError with the request id and both kinds of rate-limit headers.
const refused = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'six' }] }).catch((e) => e);
assert.ok(refused instanceof OpenAI.RateLimitError, `the sixth call is RateLimitError: ${refused}`);
assert.equal(refused.status, 429);
assert.equal(refused.code, 'rate_limit_exceeded');
assert.match(refused.requestID ?? '', requestId, 'RateLimitError carries the request id');
assert.ok(Number(refused.headers.get('retry-after')) >= 1, 'Retry-After');
assert.equal(refused.headers.get('x-ratelimit-remaining-requests'), '0');
assert.match(refused.headers.get('x-ratelimit-reset-requests') ?? '', /^(\d+h)?(\d+m)?\d+s$/);
assert.ok(refused.headers.get('ratelimit'), 'the IETF RateLimit header too');

// Anything else under the model URL: OpenAI's error shape, not an empty 404.
const unrouted = await client.post('/audio/speech', { body: { model: MODEL, input: 'hi' } }).catch((e) => e);
assert.ok(unrouted instanceof OpenAI.NotFoundError, `an unrouted path is NotFoundError: ${unrouted}`);
assert.match(unrouted.message, /Invalid URL \(POST .*\/v1\/audio\/speech\)/);
assert.ok(unrouted.requestID, 'NotFoundError of an unrouted path carries the request id');

console.log('all checks passed');
