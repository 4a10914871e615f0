'use strict';
// A small Express service with two npm dependencies (express, ms).
const express = require('express');
const ms = require('ms');

const greeting = 'hello from node-web';
const started = Date.now();

const app = express();
app.get('/', (req, res) => res.send(`${greeting}, up ${ms(Date.now() - started)}\n`));
app.listen(Number(process.env.PORT || 8080));
