/** The planned lessons, in order; each becomes lessons/NN-slug/ (see README). */
export const PLANNED_LESSONS = [
  { slug: "basics", title: "Basics: connect, SET/GET, expiry", titleZh: "基础：连接、SET/GET、过期" },
  { slug: "connections", title: "Thread-safe clients and connection pools", titleZh: "线程安全的客户端与连接池" },
  { slug: "pipelines", title: "Pipelines and transactions", titleZh: "管道与事务" },
  { slug: "page-counter", title: "A page-view counter with INCR", titleZh: "用 INCR 做访问计数" },
  { slug: "social-circles", title: "Social circles with sets", titleZh: "用集合做社交圈" },
  { slug: "message-queue", title: "A pub/sub job queue", titleZh: "基于发布/订阅的任务队列" },
] as const;
