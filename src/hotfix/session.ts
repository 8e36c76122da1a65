/**
 * The one in-process inspector session of an engine, connected on first use. For a session on its
 * own thread, Node dispatches a command and calls back before `post()` returns (Node 20 to 26);
 * `postSync` relies on that to run a whole apply on the main thread with no JavaScript in between,
 * and checks it.
 */
import { Session } from 'node:inspector';

type Callback = (error: Error | null, result?: object) => void;
type RawPost = (method: string, params: object, callback: Callback) => void;

/** An inspector protocol error (`Inspector error -32000: Debugger agent is not enabled`). */
export class ProtocolError extends Error {
  readonly method: string;
  constructor(method: string, message: string, options?: { cause?: unknown }) {
    super(`${method}: ${message}`, options);
    this.method = method;
  }
}

export class InspectorSession {
  private session: Session | undefined;

  /** The connected session, connecting it on first use. */
  private connected(): Session {
    if (this.session === undefined) {
      const session = new Session();
      session.connect();
      this.session = session;
    }
    return this.session;
  }

  post<T = object>(method: string, params: object = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      (this.connected().post as unknown as RawPost)(method, params, (error, result) => {
        if (error !== null) reject(new ProtocolError(method, error.message, { cause: error }));
        else resolve((result ?? {}) as T);
      });
    });
  }

  /** Posts and returns the result synchronously: only for commands V8 answers during dispatch. */
  postSync<T = object>(method: string, params: object = {}): T {
    let done = false;
    let failure: Error | null = null;
    let value: object | undefined;
    (this.connected().post as unknown as RawPost)(method, params, (error, result) => {
      done = true;
      failure = error;
      value = result;
    });
    if (!done) throw new ProtocolError(method, 'the inspector did not answer synchronously');
    if (failure !== null) throw new ProtocolError(method, (failure as Error).message, { cause: failure });
    return (value ?? {}) as T;
  }

  on(event: string, listener: (message: { params: never }) => void): void {
    this.connected().on(event, listener as (message: unknown) => void);
  }

  off(event: string, listener: (message: { params: never }) => void): void {
    this.session?.off(event, listener as (message: unknown) => void);
  }

  disconnect(): void {
    this.session?.disconnect();
    this.session = undefined;
  }
}
