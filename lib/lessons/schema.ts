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
            hint: z.string().min(1).max(400).optional().describe("shown after two misses: a nudge, not the answer"),
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

/**
 * How the exercise must be done, checked on the commands the learner ran on
 * the lesson page since their last "not yet" (lib/lessons/history.ts): at
 * least one command (or `count`) matches, or with `never`, none does.
 */
export const MethodRule = z
  .object({
    commands: z
      .array(z.string().regex(/^[A-Za-z]+$/))
      .min(1)
      .optional()
      .describe("any of these command names (case-insensitive); omitted: any command"),
    key: z.string().min(1).max(64).optional().describe("one of the command's arguments is this key, as the learner names it"),
    flags: z.array(z.string().min(1)).optional().describe("arguments that must appear too, e.g. [NX]"),
    argc: Num.optional().describe("the number of words in the command, its name included (SADD k a b c is 5)"),
    inTransaction: z.boolean().optional().describe("queued in MULTI and run by its EXEC"),
    count: Num.optional().describe("how many matching commands (default: at least one)"),
    never: z.boolean().optional().describe("true: no command may match (the method the prompt rules out)"),
  })
  .strict();
export type MethodRule = z.infer<typeof MethodRule>;

export const ExercisesFile = z.record(
  z.string().regex(/^[a-z0-9-]+$/),
  z
    .object({
      checks: z.array(Check).min(1).describe("all must hold for the exercise to count as done"),
      method: z.array(MethodRule).optional().describe("how it must be done, when the prompt says so (in a transaction, with INCR, in one command)"),
      solution: z.array(z.string().min(1)).min(1).describe("commands that solve it: the tests run them and expect every check to pass"),
      mistakes: z
        .array(z.array(z.string().min(1)).min(1))
        .optional()
        .describe("wrong ways that leave the right keys: the tests run each and expect a method check to say not yet"),
    })
    .strict(),
);
export type ExercisesFile = z.infer<typeof ExercisesFile>;
