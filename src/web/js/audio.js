// The page's one AudioContext (one clock for both sides of the A/B player), and decoding into it:
// decodeAudioData resamples to the context's rate, so the original and the mix line up sample
// for sample whatever rates the files had.

let context = null;
const decodedFiles = new WeakMap();

export function audioContext() {
  context ??= new AudioContext();
  return context;
}

export function decodeBytes(bytes) {
  return audioContext().decodeAudioData(bytes);
}

/** A local File decoded once and kept while the page holds the File (the original is rebuilt from it). */
export function decodeFile(file) {
  let decoded = decodedFiles.get(file);
  if (!decoded) {
    decoded = file.arrayBuffer().then(decodeBytes);
    decoded.catch(() => decodedFiles.delete(file));
    decodedFiles.set(file, decoded);
  }
  return decoded;
}
