import { z } from "zod";

/**
 * The lesson format (lessons/README.md is the guide): each `lessons/NN-slug/`
 * holds `lesson.en.md` and `lesson.zh.md` (front matter below, then prose and
 * fenced blocks) and `exercises.yaml` (the checks, shared by both languages).
 * These schemas are the authoring manual: every field says what it is for.
 */
export const FrontMatter = z
  .object({
    title: z.string().min(1).max(80).describe("the lesson's title, as the lesson list shows it"),
    summary: z.string().min(1).max(240).describe("one or two sentences: what the learner will be able to do"),
    shared: z.boolean().default(false).describe("classroom: runs in the room's shared namespace instead of each student's own"),
    exercises: z
      .array(
        z
          .object({
            id: z
              .string()
              .regex(/^[a-z0-9-]+$/)
              .describe("matches an exercise in exercises.yaml"),
            title: z.string().min(1).max(80).describe("short name of the exercise"),
            prompt: z.string().min(1).max(600).describe("what the learner should do, in this language"),
          })
          .strict(),
      )
      .min(1, "every lesson has at least one exercise")
      .describe("the exercises, in order, in this language"),
  })
  .strict();
export type FrontMatter = z.infer<typeof FrontMatter>;

const Num = z.object({ gte: z.number().optional(), lte: z.number().optional(), eq: z.number().optional() }).strict();

/** One declarative check on a key of the learner's namespace. */
export const Check = z
  .object({
    key: z.string().min(1).describe("the key, as the learner names it"),
    exists: z.boolean().optional().describe("false: the key must not exist"),
    type: z.enum(["string", "list", "set", "zset", "hash", "stream"]).optional().describe("TYPE of the key"),
    integer: Num.optional().describe("the string value is an integer within these bounds"),
    equals: z.string().optional().describe("the string value is exactly this"),
    ttl: Num.optional().describe("TTL in seconds within these bounds (-1: no expiry)"),
    members: z.array(z.string()).optional().describe("set: contains all of these members"),
    card: Num.optional().describe("size of a list, set, sorted set, hash or stream within these bounds"),
  })
  .strict();
export type Check = z.infer<typeof Check>;

export const ExercisesFile = z.record(
  z.string().regex(/^[a-z0-9-]+$/),
  z
    .object({
      checks: z.array(Check).min(1).describe("all must hold for the exercise to count as done"),
      solution: z.array(z.string().min(1)).min(1).describe("commands that solve it: the tests run them and expect every check to pass"),
    })
    .strict(),
);
export type ExercisesFile = z.infer<typeof ExercisesFile>;
