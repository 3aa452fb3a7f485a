/** Thrown for any checkpoint that cannot be read safely; the message names the file and, where known, the entry or tensor. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}
