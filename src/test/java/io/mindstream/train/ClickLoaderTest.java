package io.mindstream.train;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringReader;
import java.util.Arrays;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClickLoaderTest {

    private static String[] items(Interactions d, int user) {
        return Arrays.stream(d.sequence(user)).mapToObj(d::itemId).toArray(String[]::new);
    }

    @Test
    void s3recKeepsOrderAndCountsBadLines() throws IOException {
        ClickLoader l = new ClickLoader(InputFormat.S3REC);
        Interactions d = l.load(new StringReader("1 a b c\n2 c\n\n3\n1 x y\n2 d e\n"));
        assertEquals(2, d.userCount());
        assertArrayEquals(new String[]{"a", "b", "c"}, items(d, 0));
        assertArrayEquals(new String[]{"c"}, items(d, 1));
        assertEquals(3, l.report().malformed(), "a user without items and two repeated users");
        assertTrue(l.report().malformedExamples().get(0).startsWith("line 4:"), l.report().malformedExamples().get(0));
        assertEquals(4, l.report().events());
    }

    @Test
    void jsonlOrdersByTimeWithTiesInFileOrder() throws IOException {
        String in = """
                {"user_id":"u1","item_id":"b","ts":2000}
                {"user_id":"u1","item_id":"a","ts":1000}
                {"user_id":"u2","item_id":7,"ts":"2026-11-29T10:00:00Z","extra":true}
                not json
                {"user_id":"u1","item_id":"c","ts":2000}
                {"user_id":"u1","ts":3000}
                {"user_id":"u1","item_id":"d","ts":1.5}
                [1,2]
                {"user_id":"u1","item_id":"e","ts":"yesterday"}
                """;
        ClickLoader l = new ClickLoader(InputFormat.JSONL);
        Interactions d = l.load(new StringReader(in));
        assertArrayEquals(new String[]{"a", "b", "c"}, items(d, 0));
        assertArrayEquals(new String[]{"7"}, items(d, 1));
        assertEquals(5, l.report().malformed());
        assertEquals(9, l.report().lines());
    }

    @Test
    void movieLensSkipsHeaderAndBadRows() throws IOException {
        String in = "userId,movieId,rating,timestamp\n1,10,4.0,300\n1,11,3.5,100\n1,12,x,50\n2,10,5.0\n2,13,1.0,7\n";
        ClickLoader l = new ClickLoader(InputFormat.MOVIELENS);
        Interactions d = l.load(new StringReader(in));
        assertArrayEquals(new String[]{"11", "10"}, items(d, 0));
        assertArrayEquals(new String[]{"13"}, items(d, 1));
        assertEquals(2, l.report().malformed());
        assertEquals(1, l.report().filtered(), "the header");
    }

    @Test
    void taobaoFiltersBehaviours() throws IOException {
        String in = "1,100,5,pv,20\n1,101,5,buy,10\n1,102,5,pv,5\n1,103,5,pv\n2,104,6,cart,1\n2,105,6,PV,abc\n";
        ClickLoader pv = new ClickLoader(InputFormat.TAOBAO);
        Interactions d = pv.load(new StringReader(in));
        assertEquals(1, d.userCount());
        assertArrayEquals(new String[]{"102", "100"}, items(d, 0));
        assertEquals(2, pv.report().filtered());
        assertEquals(2, pv.report().malformed());

        ClickLoader all = new ClickLoader(InputFormat.TAOBAO, Set.of("pv", "buy", "cart"));
        Interactions d2 = all.load(new StringReader(in));
        assertArrayEquals(new String[]{"102", "101", "100"}, items(d2, 0));
        assertArrayEquals(new String[]{"104"}, items(d2, 1));
    }

    @Test
    void formatNamesAreValidated() {
        assertEquals(InputFormat.MOVIELENS, ClickLoader.parseFormat("MovieLens"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClickLoader.parseFormat("csv"));
        assertTrue(e.getMessage().contains("--format"));
    }
}
