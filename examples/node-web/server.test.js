'use strict';
const test = require('node:test');
const assert = require('node:assert');
const isNumber = require('is-number');
const { uptime } = require('./server.js');

test('uptime is formatted by ms', () => {
  assert.match(uptime(Date.now() + 2 * 60 * 1000), /^2 minutes$/);
  assert.ok(isNumber(42));
});
