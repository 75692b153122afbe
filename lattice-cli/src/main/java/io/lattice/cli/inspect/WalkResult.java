package io.lattice.cli.inspect;

/**
 * What reading the entries found.
 *
 * @param printed entries printed (after filters)
 * @param undecodable entries whose payload does not decode, among those decoded (all with
 *     {@code --verify}, else the printed ones)
 * @param firstUndecodable index of the first of them; 0 if none
 */
record WalkResult(long printed, long undecodable, long firstUndecodable) {}
