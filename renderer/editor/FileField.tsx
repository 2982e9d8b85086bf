import { useRef, useState } from 'react';
import { type PickRequest, PickResultSchema } from '../../api/pick-path.ts';
import { toast } from '../state/store.ts';
import { uploadFile } from './upload.ts';

declare global {
  interface Window {
    /** Set by the Electron preload: the native file dialog (electron/pick-path.ts answers). */
    layerflowDesktop?: { pickPath(request: PickRequest): Promise<unknown> };
  }
}

interface Props {
  id: string;
  label: string;
  value: string;
  extensions: string[];
  /** A folder (an image sequence) rather than one file. */
  folder: boolean;
  onChange(path: string): void;
}

/**
 * A file param: the path, and "Choose…": the native dialog in the desktop app; in a browser a file
 * picker whose file is uploaded into the server's input folder (the server reads it from there).
 */
export function FileField({ id, label, value, extensions, folder, onChange }: Props) {
  const picker = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<number>();
  async function choose(): Promise<void> {
    const desktop = window.layerflowDesktop;
    if (!desktop) return picker.current?.click();
    const answer = PickResultSchema.safeParse(await desktop.pickPath({ folder, extensions, field: label }));
    if (!answer.success) return void toast(`${label}: the file dialog gave no usable answer`);
    const picked = answer.data;
    if ('error' in picked) toast(picked.error);
    else if ('path' in picked) onChange(picked.path);
  }
  async function upload(files: File[]): Promise<void> {
    if (files.length === 0) return;
    const total = files.reduce((n, f) => n + f.size, 0);
    const batch = folder
      ? `${files[0].webkitRelativePath.split('/')[0] || 'frames'}-${Date.now().toString(36)}`
      : undefined;
    let done = 0;
    setProgress(0);
    try {
      let path = '';
      for (const file of files) {
        path = await uploadFile(file, {
          folder: batch,
          onProgress: (f) => setProgress((done + f * file.size) / total),
        });
        done += file.size;
      }
      onChange(path);
    } catch (err) {
      toast(`Could not upload ${files[0].name}: ${(err as Error).message}`);
    } finally {
      setProgress(undefined);
    }
  }
  const accept = extensions.map((e) => `.${e}`).join(',') || undefined;
  return (
    <div className="file-row">
      <input
        id={id}
        type="text"
        aria-label={label}
        placeholder={folder ? 'folder or frames/*.png' : '/path/to/file'}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
      <button
        type="button"
        aria-label={`Choose ${label}`}
        disabled={progress !== undefined}
        onClick={() => void choose()}
      >
        {progress === undefined ? 'Choose…' : `${Math.round(progress * 100)}%`}
      </button>
      <input
        ref={picker}
        type="file"
        hidden
        aria-label={`${label} from this computer`}
        accept={folder ? 'image/png,image/jpeg' : accept}
        multiple={folder}
        {...(folder ? { webkitdirectory: '' } : {})}
        onChange={(e) => {
          void upload([...(e.target.files ?? [])]);
          e.target.value = '';
        }}
      />
    </div>
  );
}
