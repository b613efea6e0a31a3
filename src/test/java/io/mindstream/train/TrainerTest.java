package io.mindstream.train;

import io.mindstream.model.MindModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training on a small synthetic world with planted interests: items fall into topics, every user follows two
 * topics and clicks within them at random. A model that learns must rank the user's two topics' items far above
 * the most popular ones.
 */
@Timeout(120)
class TrainerTest {

    static Interactions plantedWorld(long seed, int users, int topics, int perTopic, int length) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Interactions.Builder b = new Interactions.Builder();
        for (int u = 0; u < users; u++) {
            int t1 = rnd.nextInt(topics);
            int t2 = (t1 + 1 + rnd.nextInt(topics - 1)) % topics;
            for (int i = 0; i < length; i++) {
                int topic = rnd.nextBoolean() ? t1 : t2;
                b.add("u" + u, "t" + topic + "-i" + rnd.nextInt(perTopic));
            }
        }
        return b.build();
    }

    @Test
    void learnsPlantedInterestsAndBeatsMostPopular() {
        Interactions data = plantedWorld(11, 800, 10, 30, 25);
        TrainOptions o = new TrainOptions().dim(16).interests(4).maxLen(20).batch(32).lr(0.01f).iterations(900)
                .evalEvery(300).timeBudget(Duration.ofMinutes(1)).baselineTimeBudget(Duration.ofSeconds(20))
                .threads(2).seed(5);
        TrainResult r = Trainer.train(data, o, Trainer.Listener.SILENT);
        RankingMetrics mind = r.metrics().get("mind");
        RankingMetrics pop = r.metrics().get("most_popular");
        RankingMetrics single = r.metrics().get("single_vector");
        assertEquals("test", r.measuredOn());
        assertEquals(80, mind.users());
        // chance (and most-popular, topics being equally popular) is about 20/300 of the truth at 20
        assertTrue(pop.recall(20) < 0.12, "most-popular " + pop.recall(20));
        assertTrue(mind.recall(20) > 0.2, "MIND Recall@20 " + mind.recall(20));
        assertTrue(mind.recall(20) > 2 * pop.recall(20), "MIND " + mind.recall(20) + " vs most-popular " + pop.recall(20));
        assertTrue(single.recall(20) > 2 * pop.recall(20), "single-vector " + single.recall(20));
        MindModel m = r.model();
        assertEquals(300, m.itemCount());
        assertEquals(16, m.dim());
        assertTrue(r.mind().bestValidationRecall50() > 0);
    }

    @Test
    void sampledSoftmaxLearnsToo() {
        Interactions data = plantedWorld(12, 600, 10, 30, 25);
        TrainOptions o = new TrainOptions().dim(16).interests(4).maxLen(20).batch(32).lr(0.01f).iterations(900)
                .evalEvery(300).negatives(40).timeBudget(Duration.ofMinutes(1)).baselines(false).threads(2);
        TrainResult r = Trainer.train(data, o, Trainer.Listener.SILENT);
        assertEquals(40, r.negatives());
        assertTrue(r.metrics().get("mind").recall(20) > 2 * r.metrics().get("most_popular").recall(20),
                r.table());
    }

    @Test
    void trainOnlyInputCarvesValidationUsersAndMeasuresOnThem() {
        Interactions data = plantedWorld(13, 200, 5, 10, 12);
        TrainOptions o = new TrainOptions().dim(8).interests(2).maxLen(10).batch(16).iterations(50).evalEvery(25)
                .split(DataSplit.Mode.TRAIN_ONLY).baselines(false).threads(1);
        TrainResult r = Trainer.train(data, o, Trainer.Listener.SILENT);
        assertEquals("validation", r.measuredOn());
        assertEquals(180, r.trainUsers());
        assertEquals(20, r.validationUsers());
        assertEquals(0, r.testUsers());
    }
}
