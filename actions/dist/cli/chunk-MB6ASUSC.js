import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{d as r}from"./chunk-VXI4W337.js";import{a as o}from"./chunk-CSTMI5DP.js";import{l as e}from"./chunk-5X27FGDY.js";var i=e(o,r,"PaginationToken","PaginationToken","ResourcesPerPage");export{i as a};
