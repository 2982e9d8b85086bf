/** Limits of the browser's file upload, shared by the route (api/uploads.ts) and the editor that sends. */

/** The largest file the editor uploads into the input folder (browser mode). */
export const MAX_UPLOAD_BYTES = 2 * 1024 ** 3;
/** Bytes per chunk the client sends (base64 in JSON, so every request stays small). */
export const UPLOAD_CHUNK_BYTES = 4 * 1024 ** 2;
/** What the file nodes read: videos and images. */
export const UPLOAD_EXTENSIONS = ['mp4', 'webm', 'mov', 'mkv', 'm4v', 'avi', 'gif', 'png', 'jpg', 'jpeg'];
