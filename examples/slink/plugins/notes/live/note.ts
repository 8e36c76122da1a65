/** A note as live data: a live type (its name starts with `live_`, in any case). */
export class Live_Note {
  id = 0;
  text = '';
}
