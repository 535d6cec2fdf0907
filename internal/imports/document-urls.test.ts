// Finding image URLs in source documents: named fields through objects and arrays, or every URL string.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { documentUrls, httpUrl } from './document-urls.ts';

const hotel = {
  _id: 'h1',
  name: 'Casa Azul',
  website: 'https://casa.example/',
  cover: 'http://img.example/cover.jpg',
  photos: [
    { url: 'http://img.example/1.jpg', caption: 'pool' },
    { url: 'http://img.example/2.jpg#frag' },
    { caption: 'no url' },
  ],
  gallery: ['http://img.example/3.jpg', 'not a url', 'ftp://img.example/4.jpg'],
  rooms: [
    { images: ['http://img.example/r1.jpg'] },
    { images: ['http://img.example/r2.jpg', 'http://img.example/1.jpg'] },
  ],
};

test('named fields: dotted paths through arrays, URL strings, arrays of them, objects with a url', () => {
  assert.deepEqual(documentUrls(hotel, ['photos.url', 'cover']), [
    { url: 'http://img.example/1.jpg', path: 'photos.0.url' },
    { url: 'http://img.example/2.jpg', path: 'photos.1.url' },
    { url: 'http://img.example/cover.jpg', path: 'cover' },
  ]);
  assert.deepEqual(
    documentUrls(hotel, ['photos']).map((f) => f.path),
    ['photos.0.url', 'photos.1.url'],
  );
  assert.deepEqual(documentUrls(hotel, ['gallery']), [
    { url: 'http://img.example/3.jpg', path: 'gallery.0' },
  ]);
  assert.deepEqual(
    documentUrls(hotel, ['rooms.images']).map((f) => f.path),
    ['rooms.0.images.0', 'rooms.1.images.0', 'rooms.1.images.1'],
  );
  assert.deepEqual(
    documentUrls(hotel, ['photos.1.url']).map((f) => f.url),
    ['http://img.example/2.jpg'],
  );
  assert.deepEqual(documentUrls(hotel, ['nothing.here', 'name']), []);
});

test('no fields named: every http(s) URL string, once each, in document order', () => {
  const urls = documentUrls(hotel, undefined).map((f) => f.url);
  assert.deepEqual(urls, [
    'https://casa.example/',
    'http://img.example/cover.jpg',
    'http://img.example/1.jpg',
    'http://img.example/2.jpg',
    'http://img.example/3.jpg',
    'http://img.example/r1.jpg',
    'http://img.example/r2.jpg',
  ]);
});

test('only absolute http(s) URLs without credentials, bounded in length and number', () => {
  assert.equal(httpUrl(' http://a.example/x.jpg '), 'http://a.example/x.jpg');
  for (const bad of [
    'javascript:alert(1)',
    'file:///etc/passwd',
    '//a.example/x',
    'http://user:pw@a.example/',
    'http://',
  ])
    assert.equal(httpUrl(bad), null, bad);
  assert.equal(httpUrl(`http://a.example/${'x'.repeat(3000)}`), null);
  const many = { list: Array.from({ length: 1500 }, (_, i) => `http://a.example/${i}.jpg`) };
  assert.equal(documentUrls(many, undefined).length, 1000);
});
