package io.mindstream.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Users' behaviour sequences, oldest first, with items interned to dense ids. Immutable once built; what a
 * loader produces and what the trainer consumes.
 */
public final class Interactions {

    private final String[] userIds;
    private final int[][] sequences;
    private final String[] itemIds;

    Interactions(String[] userIds, int[][] sequences, String[] itemIds) {
        this.userIds = userIds;
        this.sequences = sequences;
        this.itemIds = itemIds;
    }

    public int userCount() {
        return userIds.length;
    }

    public int itemCount() {
        return itemIds.length;
    }

    public String userId(int user) {
        return userIds[user];
    }

    /** The sequence of {@code user}: dense item ids, oldest first. Shared, never modify. */
    public int[] sequence(int user) {
        return sequences[user];
    }

    public String itemId(int item) {
        return itemIds[item];
    }

    public long eventCount() {
        long n = 0;
        for (int[] s : sequences) {
            n += s.length;
        }
        return n;
    }

    /** Builds sequences user by user; events of a user must be added oldest first. */
    public static final class Builder {
        private final Map<String, Integer> users = new LinkedHashMap<>();
        private final Map<String, Integer> items = new LinkedHashMap<>();
        private final List<int[]> seqs = new ArrayList<>();
        private final List<Integer> lens = new ArrayList<>();

        public Builder add(String userId, String itemId) {
            Objects.requireNonNull(userId, "userId");
            Objects.requireNonNull(itemId, "itemId");
            Integer u = users.get(userId);
            if (u == null) {
                u = users.size();
                users.put(userId, u);
                seqs.add(new int[8]);
                lens.add(0);
            }
            Integer i = items.get(itemId);
            if (i == null) {
                i = items.size();
                items.put(itemId, i);
            }
            int len = lens.get(u);
            int[] s = seqs.get(u);
            if (len == s.length) {
                s = Arrays.copyOf(s, len * 2);
                seqs.set(u, s);
            }
            s[len] = i;
            lens.set(u, len + 1);
            return this;
        }

        public Interactions build() {
            String[] uids = users.keySet().toArray(new String[0]);
            int[][] sequences = new int[uids.length][];
            for (int u = 0; u < uids.length; u++) {
                sequences[u] = Arrays.copyOf(seqs.get(u), lens.get(u));
            }
            return new Interactions(uids, sequences, items.keySet().toArray(new String[0]));
        }
    }
}
