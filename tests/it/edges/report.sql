-- Weekly winners report (ra_horses stays in this comment)
/* block comment: FROM ra_courses; stays too */
WITH winners AS (
    SELECT r.race_id, r.horse_id
    FROM   ra_runners r          -- a fact table: keeps its name
    WHERE  r.position = '1'
)
SELECT "ra_horses".name,
       c.name   AS course,
       'ra_horses is only a string' AS note
FROM   winners
JOIN   "ra_horses"   ON "ra_horses".id = winners.horse_id
JOIN   ra_races  ra  ON ra.id = winners.race_id
JOIN   Public.RA_COURSES c ON c.id = ra.course_id
WHERE  c.name <> 'ra_courses';

WITH ra_jockeys AS (SELECT 1 AS id)   -- a CTE spelled like a master: not the table
SELECT id FROM ra_jockeys;

SELECT pg_total_relation_size('ra_trainers'),
       count(*)
  FROM ra_trainers
 WHERE ra_trainers.name LIKE 'ra_trainers%';
