import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missingSections, PLAN_SECTIONS, sectionsForIssue } from './plan.js';

test('a draft names no school: Section I is emptied when issued', () => {
  assert.equal(sectionsForIssue('draft', { A: 'a', I: 'Oak School' }).I, '');
  assert.equal(sectionsForIssue('final', { A: 'a', I: 'Oak School' }).I, 'Oak School');
});

test('missing sections: A, B, E, F and K always; I only for final and amended plans; J never', () => {
  assert.deepEqual(missingSections('draft', {}), ['A', 'B', 'E', 'F', 'K']);
  assert.deepEqual(missingSections('final', {}), ['A', 'B', 'E', 'F', 'I', 'K']);
  const all = Object.fromEntries(PLAN_SECTIONS.map((s) => [s, 'x']));
  assert.deepEqual(missingSections('amended', all), []);
  assert.deepEqual(missingSections('final', { ...all, I: '  ' }), ['I']);
});
