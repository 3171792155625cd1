package tfix.engine.inspect;

import java.util.ArrayList;
import java.util.List;

/**
 * A backtrace from a {@link StackSample}. The frame-pointer chain is followed while every frame checks out:
 * inside the stack window read, each frame above the one before, its return address just after a call
 * instruction, at most {@link #MAX_FRAMES}. Words that look like return addresses (see {@link CallSites}) fill
 * what the chain cannot show, marked as guesses: below its first frame (functions built without frame
 * pointers, such as libc's), or the whole window when there is no chain. .eh_frame is not read.
 */
final class StackWalker {
    static final int MAX_FRAMES = 64;
    static final int MAX_GUESSES = 24;
    private final CallSites calls;

    StackWalker(CallSites calls) {
        this.calls = calls;
    }

    /** The frames, innermost first; {@code chained}: whether a frame-pointer chain was found. */
    record Walk(List<Frame> frames, boolean chained) {
        boolean anyGuess() {
            return frames.stream().anyMatch(Frame::guess);
        }
    }

    Walk walk(StackSample s) {
        List<Frame> chain = new ArrayList<>();
        long rbp = s.regs().rbp();
        long firstFrame = -1;
        long below = s.regs().rsp();
        for (int i = 0; i < MAX_FRAMES && s.holds(rbp) && s.holds(rbp + 8) && rbp >= below; i++) {
            long ret = s.word(rbp + 8);
            if (!calls.followsCall(ret)) {
                break;
            }
            if (firstFrame < 0) {
                firstFrame = rbp;
            }
            chain.add(new Frame(ret, Frame.Source.FRAME_POINTER));
            below = rbp + 16;
            rbp = s.word(rbp);
        }
        List<Frame> frames = new ArrayList<>();
        frames.add(new Frame(s.regs().rip(), Frame.Source.CURRENT));
        // Below the first chained frame (or everywhere, without a chain): the words that look like return addresses.
        long scanEnd = firstFrame >= 0 ? firstFrame : s.end();
        int guesses = 0;
        for (long at = s.from(); at < scanEnd && guesses < MAX_GUESSES; at += 8) {
            long w = s.word(at);
            if (w > 0 && calls.followsCall(w)) {
                frames.add(new Frame(w, Frame.Source.GUESS));
                guesses++;
            }
        }
        frames.addAll(chain);
        return new Walk(frames, !chain.isEmpty());
    }
}
