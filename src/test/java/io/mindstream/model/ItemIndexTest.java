package io.mindstream.model;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both lookups of the item index are exact and agree. */
class ItemIndexTest {

    private static String[] ids(int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // lengths 1 to 40 bytes, multi-byte UTF-8, ids that are prefixes of others
            ids.add(switch (i % 5) {
                case 0 -> "i" + i;
                case 1 -> "item-" + i + "-ü";
                case 2 -> "商品" + i;
                case 3 -> "a".repeat(1 + i % 40);
                default -> "i" + i + "x";
            });
        }
        return ids.stream().distinct().toArray(String[]::new);
    }

    @Test
    void byteAndStringLookupsFindEveryRowAndAgree() {
        String[] ids = ids(5_000);
        ItemIndex index = new ItemIndex(ids);
        byte[] buf = new byte[256];
        for (int row = 0; row < ids.length; row++) {
            byte[] b = ids[row].getBytes(StandardCharsets.UTF_8);
            // a slice in the middle of a larger array, with other bytes around it
            int off = 1 + row % 100;
            java.util.Arrays.fill(buf, (byte) 'z');
            System.arraycopy(b, 0, buf, off, b.length);
            assertEquals(row, index.rowOf(ids[row]));
            assertEquals(row, index.rowOf(buf, off, b.length), ids[row]);
        }
    }

    @Test
    void unknownIdsPrefixesAndExtensionsAreNotFound() {
        ItemIndex index = new ItemIndex(new String[] {"abc", "abcdefgh", "abcdefghi", "ü"});
        for (String unknown : new String[] {"", "ab", "abcd", "abcdefg", "abcdefghij", "u", "abc "}) {
            byte[] b = unknown.getBytes(StandardCharsets.UTF_8);
            assertEquals(-1, index.rowOf(b, 0, b.length), unknown);
            assertEquals(-1, index.rowOf(unknown), unknown);
        }
        byte[] u = "ü".getBytes(StandardCharsets.UTF_8);
        assertEquals(3, index.rowOf(u, 0, u.length));
        // the first byte of a two-byte character alone is not the character
        assertEquals(-1, index.rowOf(u, 0, 1));
    }

    @Test
    void hashSpreadsSequentialIdsOverTheTable() {
        // sequential ids differ in their last bytes only; their slots must not pile up
        int n = 1 << 14;
        int[] buckets = new int[n];
        for (int i = 0; i < n; i++) {
            byte[] b = ("item-" + i).getBytes(StandardCharsets.UTF_8);
            buckets[ItemIndex.hash(b, 0, b.length) & (n - 1)]++;
        }
        int max = 0;
        for (int c : buckets) {
            max = Math.max(max, c);
        }
        // a uniform hash puts at most ~9 of 16,384 keys into one of 16,384 buckets
        assertTrue(max <= 12, "largest bucket " + max);
    }

    @Test
    void emptyAndDuplicateIdsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new ItemIndex(new String[] {"a", ""}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ItemIndex(new String[] {"a", "b", "a"}));
        assertTrue(e.getMessage().contains("lines 1 and 3"), e.getMessage());
    }
}
