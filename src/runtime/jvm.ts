/** The most heap the broker and the Connect worker may grow to, on either runtime. */
export const brokerHeap = '512m';
export const connectHeap = '512m';

/** A heap that starts small and grows to `heap` only if needed. */
export const jvmHeapOptions = (heap: string) => ['-Xms32m', `-Xmx${heap}`];

/**
 * Sized for one machine running the whole stack: the serial collector (G1's per-region bookkeeping and its
 * GC threads cost tens of MB, and its short pauses buy nothing at these heap sizes), smaller thread stacks
 * (Connect runs ~100 threads) and code cache. Measured idle on the native runtime (bench/footprint.ts):
 * broker 415 → 329 MB, Connect 560 → 455 MB PSS.
 */
export const jvmTuningOptions = ['-XX:+UseSerialGC', '-Xss512k', '-XX:ReservedCodeCacheSize=96m', '-XX:MaxMetaspaceSize=192m'];
