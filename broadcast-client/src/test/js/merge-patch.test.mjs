import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergePatch } from '../../main/resources/META-INF/resources/broadcast/client.js';

function deepFreeze(value) {
  if (typeof value === 'object' && value !== null) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze(value[key]);
  }
  return value;
}

// RFC 7386, Appendix A: [original, patch, result], as JSON text.
const APPENDIX_A = [
  ['{"a":"b"}', '{"a":"c"}', '{"a":"c"}'],
  ['{"a":"b"}', '{"b":"c"}', '{"a":"b","b":"c"}'],
  ['{"a":"b"}', '{"a":null}', '{}'],
  ['{"a":"b","b":"c"}', '{"a":null}', '{"b":"c"}'],
  ['{"a":["b"]}', '{"a":"c"}', '{"a":"c"}'],
  ['{"a":"c"}', '{"a":["b"]}', '{"a":["b"]}'],
  ['{"a":{"b":"c"}}', '{"a":{"b":"d","c":null}}', '{"a":{"b":"d"}}'],
  ['{"a":[{"b":"c"}]}', '{"a":[1]}', '{"a":[1]}'],
  ['["a","b"]', '["c","d"]', '["c","d"]'],
  ['{"a":"b"}', '["c"]', '["c"]'],
  ['{"a":"foo"}', 'null', 'null'],
  ['{"a":"foo"}', '"bar"', '"bar"'],
  ['{"e":null}', '{"a":1}', '{"e":null,"a":1}'],
  ['[1,2]', '{"a":"b","c":null}', '{"a":"b"}'],
  ['{}', '{"a":{"bb":{"ccc":null}}}', '{"a":{"bb":{}}}'],
];

for (const [original, patch, result] of APPENDIX_A) {
  test(`RFC 7386 appendix A: ${original} + ${patch} = ${result}`, () => {
    const target = deepFreeze(JSON.parse(original));   // frozen: any mutation would throw
    const actual = mergePatch(target, deepFreeze(JSON.parse(patch)));
    assert.deepEqual(actual, JSON.parse(result));
    assert.deepEqual(target, JSON.parse(original), 'the target is unchanged');
  });
}

test('RFC 7386 section 3 example', () => {
  const target = deepFreeze({
    title: 'Goodbye!',
    author: { givenName: 'John', familyName: 'Doe' },
    tags: ['example', 'sample'],
    content: 'This will be unchanged',
  });
  const patch = { title: 'Hello!', phoneNumber: '+01-123-456-7890', author: { familyName: null }, tags: ['example'] };
  assert.deepEqual(mergePatch(target, patch), {
    title: 'Hello!',
    author: { givenName: 'John' },
    tags: ['example'],
    content: 'This will be unchanged',
    phoneNumber: '+01-123-456-7890',
  });
  assert.deepEqual(target.author, { givenName: 'John', familyName: 'Doe' });
});

test('nested objects merge deeply, null deletes at any depth, untouched members are shared', () => {
  const shared = deepFreeze({ deep: [1, 2, 3] });
  const target = deepFreeze({ keep: shared, a: { b: { c: 1, d: 2 }, e: 3 }, gone: true });
  const result = mergePatch(target, { a: { b: { c: null, x: { y: null, z: 0 } } }, gone: null, f: false });
  assert.deepEqual(result, { keep: { deep: [1, 2, 3] }, a: { b: { d: 2, x: { z: 0 } }, e: 3 }, f: false });
  assert.notEqual(result, target, 'a new object');
  assert.notEqual(result.a, target.a, 'a changed member is a new object');
  assert.equal(result.keep, shared, 'an untouched member is shared, not copied');
  assert.equal(target.gone, true);
});

test('a "__proto__" member is data, never a prototype', () => {
  const result = mergePatch({}, JSON.parse('{"__proto__":{"polluted":1}}'));
  assert.equal(Object.getPrototypeOf(result), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(result, '__proto__').value, { polluted: 1 });
  assert.equal({}.polluted, undefined);
});
