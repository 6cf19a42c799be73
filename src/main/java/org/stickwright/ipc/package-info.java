/**
 * The helper protocol: how the unprivileged wizard asks the privileged helper to write a disk
 * (design §3, the app/helper split of Fedora Media Writer). JSON lines, one object per line,
 * every object carrying {@code "version"}; a peer refuses any other version than its own.
 *
 * <p>A session, GUI → helper on stdin, helper → GUI on stdout (stderr is free-form diagnostics):
 * <pre>
 * → {"version":1,"operation":"write","image":"/home/u/live.iso","target":"/dev/sdb","createSize":-1,
 *    "allowFixedDisk":false,"unmount":true,"verify":true}
 * ← {"version":1,"event":"progress","phase":"writing","done":41943040,"total":2147483648,"bytesPerSecond":…,"secondsLeft":51}
 * → {"version":1,"command":"cancel"}
 * ← {"version":1,"event":"error","code":130,"outcome":"cancelled","message":"cancelled while writing; the target's
 *    partition tables were wiped so it is not mistaken for a good stick"}
 * </pre>
 * A {@code create} plan adds {@code "create":{"mode":"hybrid","persistence":4294967296,…,"seed":7}}.
 * The last line is always one {@code result} or one {@code error} event; the helper's exit code
 * is the command line's (design §4: 0, 2, 3, 4, 5, 130), so a GUI that lost the stream still
 * knows how it ended.
 */
package org.stickwright.ipc;
