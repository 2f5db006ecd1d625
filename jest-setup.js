// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';

// Combobox measures its option labels on a canvas; jsdom has none, so give it a 2D context that
// measures text by length.
HTMLCanvasElement.prototype.getContext = () => ({
  font: '',
  measureText: (text) => ({ width: String(text).length * 8 }),
});

// Combobox menus observe their size and visibility; jsdom implements neither observer.
class NoopObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}
global.IntersectionObserver = global.IntersectionObserver || NoopObserver;
global.ResizeObserver = global.ResizeObserver || NoopObserver;

// Combobox virtualizes its option list and renders only the rows that fit the list's measured
// size; jsdom lays nothing out, so every element measures 400 x 400 px.
for (const prop of ['clientHeight', 'clientWidth', 'offsetHeight', 'offsetWidth']) {
  Object.defineProperty(HTMLElement.prototype, prop, { configurable: true, get: () => 400 });
}

// React 19's react-dom/server (imported by @grafana/ui 13) schedules work on a MessageChannel, which
// jsdom does not provide; Node's own implementation serves. Ports are unref'd so they never keep
// jest alive: Node refs a port again when its onmessage is set (as React's scheduler does), so they
// are unref'd after that too, or jest run in band never exits.
if (typeof global.MessageChannel === 'undefined') {
  const { MessageChannel } = require('node:worker_threads');
  const unrefAlways = (port) => {
    let proto = Object.getPrototypeOf(port);
    while (proto && !Object.getOwnPropertyDescriptor(proto, 'onmessage')) {
      proto = Object.getPrototypeOf(proto);
    }
    const { get, set } = Object.getOwnPropertyDescriptor(proto, 'onmessage');
    Object.defineProperty(port, 'onmessage', {
      configurable: true,
      get: () => get.call(port),
      set: (handler) => {
        set.call(port, handler);
        port.unref();
      },
    });
    port.unref();
  };
  global.MessageChannel = class extends MessageChannel {
    constructor() {
      super();
      unrefAlways(this.port1);
      unrefAlways(this.port2);
    }
  };
}

// @grafana/ui's TextLink sanitizes its href with URL.canParse (browsers and Node have it), which
// jsdom's URL lacks; the static method of the same name answers as a browser's would.
if (typeof URL.canParse !== 'function') {
  URL.canParse = (url, base) => {
    try {
      new URL(url, base);
      return true;
    } catch {
      return false;
    }
  };
}

// i18next (inside @grafana/ui) prints an advertisement on its first init; its documented
// I18NEXT_NO_SUPPORT_NOTICE turns that off, and only that.
process.env.I18NEXT_NO_SUPPORT_NOTICE = '1';
