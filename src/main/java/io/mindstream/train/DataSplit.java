package io.mindstream.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The ComiRec "strong generalisation" split: users shuffled with a fixed seed and cut 8:1:1 into training,
 * validation and test users. When the input is already only a training population, validation users are
 * still carved out of it (for early stopping) and there is no test set.
 *
 * <p>The model vocabulary is the items that occur in the training users' sequences: the only items the model
 * learns anything about. Held-out items outside it count as misses.
 */
public final class DataSplit {

    /** How the users of the input are used. */
    public enum Mode {
        /** 80% train, 10% validation, 10% test. */
        COMIREC,
        /** The input is a training population: 90% train, 10% validation, no test. */
        TRAIN_ONLY
    }

    private final Interactions data;
    private final int[] train;
    private final int[] validation;
    private final int[] test;
    private final int[] itemToRow;
    private final int[] rowToItem;

    private DataSplit(Interactions data, int[] train, int[] validation, int[] test) {
        this.data = data;
        this.train = train;
        this.validation = validation;
        this.test = test;
        itemToRow = new int[data.itemCount()];
        Arrays.fill(itemToRow, -1);
        int rows = 0;
        int[] order = new int[data.itemCount()];
        for (int u : train) {
            for (int item : data.sequence(u)) {
                if (itemToRow[item] < 0) {
                    itemToRow[item] = rows;
                    order[rows++] = item;
                }
            }
        }
        rowToItem = Arrays.copyOf(order, rows);
    }

    public static DataSplit of(Interactions data, Mode mode, long seed) {
        int users = data.userCount();
        int[] perm = new int[users];
        for (int i = 0; i < users; i++) {
            perm[i] = i;
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = users - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int nVal = users / 10;
        int nTest = mode == Mode.COMIREC ? users / 10 : 0;
        int nTrain = users - nVal - nTest;
        if (nTrain < 1 || nVal < 1) {
            throw new IllegalArgumentException("too few users (" + users + ") to split into training and validation users");
        }
        int[] train = Arrays.copyOfRange(perm, 0, nTrain);
        int[] val = Arrays.copyOfRange(perm, nTrain, nTrain + nVal);
        int[] test = Arrays.copyOfRange(perm, nTrain + nVal, users);
        Arrays.sort(train);
        Arrays.sort(val);
        Arrays.sort(test);
        return new DataSplit(data, train, val, test);
    }

    public Interactions data() {
        return data;
    }

    public int[] trainUsers() {
        return train;
    }

    public int[] validationUsers() {
        return validation;
    }

    public int[] testUsers() {
        return test;
    }

    /** Size of the model vocabulary. */
    public int vocabularySize() {
        return rowToItem.length;
    }

    /** The model row of a dense item id, or -1 when no training user has the item. */
    public int rowOf(int item) {
        return itemToRow[item];
    }

    public int itemOfRow(int row) {
        return rowToItem[row];
    }

    /** The item ids of the vocabulary in row order (items.txt). */
    public String[] vocabularyIds() {
        String[] ids = new String[rowToItem.length];
        for (int r = 0; r < ids.length; r++) {
            ids[r] = data.itemId(rowToItem[r]);
        }
        return ids;
    }

    /**
     * A held-out user: the first 80% of the sequence as history (the encoder keeps its last L known items, as
     * the stream does) and the distinct rest as truth.
     */
    public record HeldOut(int user, String userId, int[] history, int[] truth) {
    }

    /**
     * The held-out cases of {@code users} under the protocol: the first floor(0.8 len) items (at least one)
     * are the history; the remaining items (distinct) are the truth. Users with fewer than two behaviours
     * cannot be evaluated and are left out.
     */
    public List<HeldOut> heldOut(int[] users) {
        List<HeldOut> out = new ArrayList<>(users.length);
        for (int u : users) {
            int[] s = data.sequence(u);
            if (s.length < 2) {
                continue;
            }
            int k = Math.max(1, (int) (s.length * 0.8));
            int[] hist = Arrays.copyOfRange(s, 0, k);
            int[] truth = Arrays.stream(s, k, s.length).distinct().toArray();
            out.add(new HeldOut(u, data.userId(u), hist, truth));
        }
        return out;
    }

    /** How often each vocabulary row occurs in the training users' sequences. */
    public long[] rowCounts() {
        long[] c = new long[rowToItem.length];
        for (int u : train) {
            for (int item : data.sequence(u)) {
                c[itemToRow[item]]++;
            }
        }
        return c;
    }
}
