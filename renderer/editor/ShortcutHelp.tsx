import { Modal } from '../Modal.tsx';

/** Every key the editor answers, as the help panel (`?`) lists them. */
export const SHORTCUTS: [keys: string, what: string][] = [
  ['Ctrl+Enter', 'Run the workflow'],
  ['Ctrl+Shift+Enter', 'Run up to the selected nodes'],
  ['Ctrl+S / Ctrl+Shift+S', 'Save / Save as'],
  ['Ctrl+Z / Ctrl+Shift+Z', 'Undo / Redo'],
  ['Ctrl+A', 'Select every node'],
  ['Ctrl+click, Shift+drag', 'Add to the selection'],
  ['Delete', 'Delete the selected nodes or link'],
  ['Ctrl+C / Ctrl+V', 'Copy / Paste (links among the copied nodes kept)'],
  ['Ctrl+Shift+V', 'Paste keeping the links from other nodes too'],
  ['Ctrl+D', 'Duplicate'],
  ['Ctrl+B', 'Bypass: the node passes its input on'],
  ['Ctrl+M', 'Mute: the node and what needs it are left out'],
  ['Ctrl+G', 'Group the selected nodes'],
  ['Double-click canvas', 'Search nodes; Enter adds the top one there'],
  ['Right-click', 'Menu of a node, a link or the canvas'],
  ['Drag a link off its input', 'Remove the link'],
  ['Tab, Enter on a port', 'Start a link there; Enter on a port of another node makes it (Escape drops it)'],
  ['Double-click a group title', 'Rename the group; drag the title to move the group with its nodes'],
  ['?', 'This list'],
];

export function ShortcutHelp({ onClose }: { onClose(): void }) {
  return (
    <Modal label="Keyboard shortcuts" onDismiss={onClose}>
      <h2>Keyboard shortcuts</h2>
      <table className="shortcut-table">
        <tbody>
          {SHORTCUTS.map(([keys, what]) => (
            <tr key={keys}>
              <th scope="row">
                <kbd>{keys}</kbd>
              </th>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row end">
        <button type="button" className="primary" data-autofocus onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  );
}
