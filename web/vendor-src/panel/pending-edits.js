// The panel debounces typing (one command per pause, not per key). "Save" must not
// lose the last keystrokes, so every debounced edit is tracked here and `flush()`
// applies the pending ones at once before the diagram is exported.

const DELAY = 300;

export default function PendingEdits() {
  this._pending = new Set();
}

PendingEdits.prototype.flush = function() {
  Array.from(this._pending).forEach((debounced) => debounced.flush());
};

// Replaces the properties panel's `debounceInput` service (same contract).
export function debounceInput(pendingEdits) {
  const pending = pendingEdits._pending;
  return function(fn) {
    let timer = null;
    let args = [];
    const run = () => { timer = null; pending.delete(debounced); fn(...args); };
    function debounced(...latest) {
      args = latest;
      clearTimeout(timer);
      timer = setTimeout(run, DELAY);
      pending.add(debounced);
    }
    debounced.flush = () => { if (timer !== null) { clearTimeout(timer); run(); } };
    debounced.cancel = () => { clearTimeout(timer); timer = null; pending.delete(debounced); };
    return debounced;
  };
}

debounceInput.$inject = [ 'pendingEdits' ];
