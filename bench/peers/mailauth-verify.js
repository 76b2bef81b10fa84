#!/usr/bin/env node
// bench/peers/mailauth-verify.js - mailauth's dkimVerify over a whole mboxrd
// corpus in one process, keys from a zone file (no network).
//
//   node bench/peers/mailauth-verify.js keys.zone corpus.mbox
//
// mailauth is installed by bench/run into bench/node_modules. Prints
// "INDEX<TAB>v1 v2 ..." per message, one class per DKIM-Signature, top first.
// mailauth says "neutral" for several things; its comment tells them apart:
// "body hash did not verify" is a fail, "no key" and key-record trouble are
// permerrors (RFC 6376 6.1.2/6.1.3), other neutrals stay neutral.
'use strict';
const fs = require('fs');
const path = require('path');
const { dkimVerify } = require(path.join(__dirname, '..', 'node_modules', 'mailauth', 'lib', 'dkim', 'verify'));

const [zonePath, mboxPath] = process.argv.slice(2);
const TXT = new Map();
for (const line of fs.readFileSync(zonePath, 'utf8').split('\n')) {
    const m = /^(\S+)\.\s+(?:\d+\s+)?(?:IN\s+)?TXT\s+(.*)$/.exec(line);
    if (!m) continue;
    const name = m[1].toLowerCase();
    const strings = [...m[2].matchAll(/"([^"]*)"/g)].map(x => x[1]);
    if (!TXT.has(name)) TXT.set(name, []);
    TXT.get(name).push(strings);
}

async function resolver(name, type) {
    const recs = type === 'TXT' ? TXT.get(name.toLowerCase().replace(/\.$/, '')) : null;
    if (!recs) {
        const err = new Error('not found: ' + name);
        err.code = 'ENOTFOUND';
        throw err;
    }
    return recs;
}

function klass(r) {
    const res = r.status && r.status.result;
    const comment = (r.status && r.status.comment) || '';
    if (res === 'neutral') {
        if (comment === 'body hash did not verify') return 'fail';
        if (/no key|key version|key type|invalid public key/.test(comment)) return 'permerror';
        return 'neutral';
    }
    return res || 'none';
}

// mboxrd: cut at ^From , drop the separator and the writer's last LF,
// remove one '>' from ^>+From lines.
function* messages(buf) {
    let pos = 0;
    while (pos < buf.length) {
        const s = buf.indexOf(10, pos) + 1;
        if (s <= 0) return;
        let next = buf.indexOf('\nFrom ', s);
        let endMsg;
        if (next < 0) {
            endMsg = buf[buf.length - 1] === 10 ? buf.length - 1 : buf.length;
            next = buf.length;
        } else {
            endMsg = next;
        }
        let text = buf.subarray(s, endMsg).toString('latin1');
        text = text.replace(/^>(>*From )/gm, '$1').replace(/\r?\n/g, '\r\n');
        yield Buffer.from(text, 'latin1');
        pos = next + 1;
    }
}

async function main() {
    const buf = fs.readFileSync(mboxPath);
    const out = [];
    let idx = 0;
    for (const msg of messages(buf)) {
        const res = await dkimVerify(msg, { resolver });
        const c = (res.results || []).filter(r => r.status && r.status.result !== 'none').map(klass);
        out.push(`${idx}\t${c.length ? c.join(' ') : '-'}\n`);
        idx++;
        if (out.length >= 256) process.stdout.write(out.splice(0).join(''));
    }
    process.stdout.write(out.join(''));
}

main().catch(err => {
    console.error(err);
    process.exit(2);
});
