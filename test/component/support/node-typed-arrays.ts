/**
 * Vitest's jsdom environment replaces the global `Uint8Array` and `ArrayBuffer` with jsdom's
 * own (another realm). jose, which the server half of these tests uses to mint and verify
 * socket tokens, checks `key instanceof Uint8Array` and then rejects Node's Buffers. Put
 * Node's constructors back (taken from Buffer, which jsdom does not touch); React and the
 * DOM do not depend on jsdom's.
 *
 * Import this FIRST in every component test that starts a real socket server.
 */
const nodeUint8Array = Object.getPrototypeOf(Buffer.prototype).constructor as Uint8ArrayConstructor;
const nodeArrayBuffer = Buffer.alloc(0).buffer.constructor as ArrayBufferConstructor;

globalThis.Uint8Array = nodeUint8Array;
globalThis.ArrayBuffer = nodeArrayBuffer;

export {};
