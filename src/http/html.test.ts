import assert from 'node:assert/strict';
import { test } from 'node:test';
import { html, trustedHtml } from './html.ts';

test('interpolated values are escaped; nested templates are not escaped twice', () => {
  const evil = `<script>alert("x")</script>' OR 1=1; --`;
  const out = html`<p title="${evil}">${evil}</p>${html`<b>${'&'}</b>`}${trustedHtml('<i>ok</i>')}`.value;
  assert.equal(
    out,
    '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; OR 1=1; --">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; OR 1=1; --</p><b>&amp;</b><i>ok</i>',
  );
});

test('null, undefined and false render as nothing; arrays are joined', () => {
  assert.equal(html`${null}${undefined}${false}${['a', html`<br>`, 1]}`.value, 'a<br>1');
});
