import assert from 'node:assert/strict';
import { test } from 'node:test';
import i18next, { type TFunction } from 'i18next';
import { createI18n, remembered } from './i18n.js';

async function counted(): Promise<{ t: TFunction; calls: () => number }> {
  const instance = i18next.createInstance();
  await instance.init({
    lng: 'en',
    resources: { en: { common: { hello: 'Hello {{name}}', item_one: '{{count}} item', item_other: '{{count}} items', list: ['a', 'b'] } } },
    defaultNS: 'common',
    interpolation: { escapeValue: false },
    initAsync: false,
  });
  let n = 0;
  const fixed = instance.getFixedT('en');
  const spy = ((key: string, options?: unknown) => {
    n++;
    return (fixed as unknown as (k: string, o?: unknown) => unknown)(key, options);
  }) as unknown as TFunction;
  return { t: remembered(spy), calls: () => n };
}

test('a remembered translation gives what i18next gives, and asks i18next once per key and values', async () => {
  const { t, calls } = await counted();
  assert.equal(t('hello', { name: 'Alys' }), 'Hello Alys');
  assert.equal(t('hello', { name: 'Alys' }), 'Hello Alys');
  assert.equal(calls(), 1);
  assert.equal(t('hello', { name: 'Bryn' }), 'Hello Bryn');
  assert.equal(t('item', { count: 1 }), '1 item');
  assert.equal(t('item', { count: 2 }), '2 items');
  assert.equal(calls(), 4);
});

test('lists and options that are not plain values go to i18next every time and are not kept', async () => {
  const { t, calls } = await counted();
  const list = t('list', { returnObjects: true }) as unknown as string[];
  assert.deepEqual(list, ['a', 'b']);
  t('list', { returnObjects: true });
  assert.equal(calls(), 2);
  t('hello', { name: { first: 'x' } } as never);
  t('hello', { name: { first: 'x' } } as never);
  assert.equal(calls(), 4);
});

test('the portal keeps English and Welsh apart', async () => {
  const i18n = await createI18n();
  const en = i18n.t('en')('common:serviceName');
  const cy = i18n.t('cy')('common:serviceName');
  assert.notEqual(en, cy);
  assert.equal(i18n.t('en')('common:serviceName'), en);
  assert.equal(i18n.t('cy')('common:serviceName'), cy);
});
